namespace GanFromScratch.Engine;

/// <summary>
/// One recorded operation: its inputs and its backward rule. The rule maps the gradient of the
/// output to the gradients of the inputs and is written with differentiable tensor operations, so
/// running it with grad mode on records a graph of the gradient itself — that is what makes
/// gradients of gradients (the WGAN-GP penalty) work.
/// </summary>
public sealed class Node(string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
{
    public string Name { get; } = name;
    public Tensor[] Inputs { get; } = inputs;
    internal Func<Tensor, Tensor?[]> Backward { get; } = backward;
    public override string ToString() => Name;
}

/// <summary>Reverse-mode automatic differentiation over the graph that operations record.</summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;

    /// <summary>Whether operations record the graph (true unless inside a <see cref="NoGrad"/> scope).</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>
    /// A scope in which operations record nothing, as PyTorch's <c>torch.no_grad()</c>:
    /// <c>using (Autograd.NoGrad()) { … }</c>.
    /// </summary>
    public static IDisposable NoGrad() => new GradMode(enable: false);

    /// <summary>A scope that turns recording back on inside a <see cref="NoGrad"/> scope.</summary>
    public static IDisposable EnableGrad() => new GradMode(enable: true);

    private sealed class GradMode : IDisposable
    {
        private readonly int _saved;
        private bool _done;
        public GradMode(bool enable)
        {
            _saved = _noGradDepth;
            _noGradDepth = enable ? 0 : _noGradDepth + 1;
        }
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _noGradDepth = _saved;
        }
    }

    /// <summary>
    /// The gradients of the sum of <paramref name="outputs"/> (each weighted by its entry of
    /// <paramref name="gradOutputs"/>, default 1 for scalars) with respect to <paramref name="inputs"/>.
    /// With <paramref name="createGraph"/> the returned gradients are themselves differentiable.
    /// An input the outputs do not depend on is an error, unless <paramref name="allowUnused"/>,
    /// which gives null for it.
    /// </summary>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs = null,
        bool createGraph = false, bool allowUnused = false)
    {
        var grads = Propagate(outputs, gradOutputs, createGraph, inputs);
        var result = new Tensor?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads.TryGetValue(inputs[i], out var g)) result[i] = g;
            else if (!allowUnused)
                throw new InvalidOperationException(
                    $"Input {i} ({inputs[i]}) is not in the graph of the outputs: they do not depend on it " +
                    "(or it does not require gradients). Pass allowUnused: true to get null for it.");
        }
        return result;
    }

    /// <summary>Grad for one output and one input.</summary>
    public static Tensor Grad(Tensor output, Tensor input, bool createGraph = false) =>
        Grad([output], [input], null, createGraph)[0]!;

    /// <summary>
    /// Accumulates d(output)/d(leaf) into <see cref="Tensor.Grad"/> of every leaf that requires
    /// gradients. A non-scalar output needs an explicit <paramref name="gradient"/>.
    /// </summary>
    public static void Backward(Tensor output, Tensor? gradient = null, bool createGraph = false)
    {
        var grads = Propagate([output], [gradient], createGraph, wanted: null);
        using (createGraph ? EnableGrad() : NoGrad())
        {
            foreach (var (tensor, g) in grads)
            {
                if (!tensor.IsLeaf || !tensor.RequiresGrad) continue;
                tensor.Grad = tensor.Grad is null ? (createGraph ? g : g.Detach()) : tensor.Grad + g;
            }
        }
    }

    /// <summary>
    /// The core of reverse mode: visit the tensors that lead to the outputs in reverse topological
    /// order, so that each tensor's gradient is complete (summed over all its uses) before its
    /// operation's rule pushes it on to the inputs.
    /// </summary>
    private static Dictionary<Tensor, Tensor> Propagate(Tensor[] outputs, Tensor?[]? gradOutputs, bool createGraph, Tensor[]? wanted)
    {
        if (gradOutputs is not null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"{outputs.Length} outputs but {gradOutputs.Length} output gradients were given.");
        // Without a graph of the gradients, a gradient made from here on is freed once nothing needs it.
        var grads = new Gradients(recycle: !createGraph, kept: wanted);
        using var mode = createGraph ? EnableGrad() : NoGrad();

        for (int i = 0; i < outputs.Length; i++)
        {
            var output = outputs[i];
            if (!output.RequiresGrad)
                throw new InvalidOperationException(
                    $"Output {i} ({output}) does not require gradients: nothing it was computed from requires them, " +
                    "or it was computed inside a NoGrad scope.");
            var seed = gradOutputs?[i];
            if (seed is null)
            {
                if (output.Size != 1)
                    throw new InvalidOperationException(
                        $"Backward of a non-scalar output of shape {Shapes.Format(output.Shape)} needs a gradient of the same shape " +
                        "(gradOutputs / gradient), or reduce it to a scalar first (e.g. Sum()).");
                seed = Tensor.OnesLike(output);
            }
            else if (!Shapes.Equal(seed.Shape, output.Shape))
                throw new ArgumentException(
                    $"The gradient for output {i} has shape {Shapes.Format(seed.Shape)}, but the output has shape {Shapes.Format(output.Shape)}.");
            grads.Accumulate(output, seed);
        }

        var order = ReverseTopologicalOrder(outputs);
        var saved = _needed;
        _needed = wanted is null ? null : NeededFor(order, wanted);
        try
        {
            PropagateInOrder(order, grads);
        }
        finally
        {
            _needed = saved;
        }
        return grads.Values;
    }

    /// <summary>
    /// The tensors whose gradient is needed to reach <paramref name="wanted"/>: the wanted
    /// tensors and every tensor computed from one of them. Visiting inputs before results
    /// (the reverse of <paramref name="order"/>) settles each tensor after its inputs.
    /// </summary>
    private static HashSet<Tensor> NeededFor(List<Tensor> order, Tensor[] wanted)
    {
        var needed = new HashSet<Tensor>(wanted, ReferenceEqualityComparer.Instance);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var tensor = order[i];
            if (tensor.GradFn is { } node && node.Inputs.Any(needed.Contains)) needed.Add(tensor);
        }
        return needed;
    }

    /// <summary>
    /// While gradients propagate: the tensors whose gradient is wanted or leads to one that is
    /// (null: every tensor that requires gradients). <see cref="Autograd.Grad"/> for the input
    /// of a critic (the gradient penalty) then skips the products that would give the critic's
    /// weight gradients, and a frozen network's weights get none.
    /// </summary>
    [ThreadStatic] private static HashSet<Tensor>? _needed;

    /// <summary>
    /// Whether the gradient with respect to <paramref name="tensor"/> is needed by the
    /// propagation under way; backward rules skip the ones that are not (returning null).
    /// </summary>
    public static bool NeedsGrad(Tensor tensor) => tensor.RequiresGrad && (_needed is null || _needed.Contains(tensor));

    private static void PropagateInOrder(List<Tensor> order, Gradients grads)
    {
        foreach (var tensor in order)
        {
            if (tensor.GradFn is null || !grads.Values.TryGetValue(tensor, out var g)) continue;
            var node = tensor.GradFn;
            var inputGrads = node.Backward(g);
            for (int j = 0; j < node.Inputs.Length; j++)
            {
                var input = node.Inputs[j];
                var ig = inputGrads[j];
                if (ig is null || !NeedsGrad(input)) continue;
                if (!Shapes.Equal(ig.Shape, input.Shape))
                    throw new InvalidOperationException(
                        $"Internal error: the backward rule of '{node.Name}' gave a gradient of shape {Shapes.Format(ig.Shape)} " +
                        $"for input {j} of shape {Shapes.Format(input.Shape)}.");
                grads.Accumulate(input, ig);
            }
            grads.Used(tensor, g, inputGrads);
        }
    }

    /// <summary>
    /// The gradients of one propagation, by tensor, summed over each tensor's uses. Where no graph
    /// of the gradients is recorded (<c>createGraph</c> off), a gradient this propagation made is
    /// freed as soon as nothing needs it — its tensor's rule has run, or it went into a sum —
    /// as PyTorch's engine drops it: the pool then hands its buffer to the next gradient of that
    /// size while it is still in cache, and a step holds a few gradients at a time, not all of them.
    /// A gradient some entry still holds (a rule may pass its own gradient on, to several inputs),
    /// a wanted one, the caller's seed and any tensor made before the propagation are never freed.
    /// For the same reason a sum of gradients that only its entry holds is added to in place.
    /// </summary>
    private sealed class Gradients
    {
        private readonly bool _recycle;
        private readonly long _madeBefore = Tensor.Created;
        private readonly HashSet<Tensor>? _kept;
        private readonly Dictionary<Tensor, int> _holders = new(ReferenceEqualityComparer.Instance);
        private readonly List<Tensor> _unheld = [];

        public Gradients(bool recycle, Tensor[]? kept)
        {
            _recycle = recycle;
            _kept = kept is null ? null : new HashSet<Tensor>(kept, ReferenceEqualityComparer.Instance);
        }

        public Dictionary<Tensor, Tensor> Values { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>Adds <paramref name="g"/> to the gradient of <paramref name="tensor"/>.</summary>
        public void Accumulate(Tensor tensor, Tensor g)
        {
            if (!Values.TryGetValue(tensor, out var existing))
            {
                Values[tensor] = g;
                Hold(g);
                return;
            }
            if (_recycle && existing.Sequence > _madeBefore && _holders[existing] == 1 && existing.OwnsStorageAlone)
            {
                existing.AddInPlace(g); // a sum only this entry holds: no new buffer
                return;
            }
            var sum = existing + g;
            Values[tensor] = sum;
            Hold(sum);
            Unhold(existing);
        }

        /// <summary>After the rule of <paramref name="tensor"/> turned its gradient <paramref name="g"/> into <paramref name="inputGrads"/>.</summary>
        public void Used(Tensor tensor, Tensor g, Tensor?[] inputGrads)
        {
            if (!_recycle) return;
            if (_kept is null || !_kept.Contains(tensor))
            {
                Values.Remove(tensor);
                Unhold(g);
            }
            foreach (var ig in inputGrads)
                if (ig is not null) Unhold(ig, held: false); // stored, summed into another, or not needed
            foreach (var t in _unheld)
                if (t.Sequence > _madeBefore && !_holders.ContainsKey(t)) t.Dispose();
            _unheld.Clear();
        }

        private void Hold(Tensor value)
        {
            if (_recycle) _holders[value] = _holders.GetValueOrDefault(value) + 1;
        }

        /// <summary>One entry fewer holds <paramref name="value"/> (or none did: <paramref name="held"/> false); it may be freed after the rule.</summary>
        private void Unhold(Tensor value, bool held = true)
        {
            if (!_recycle) return;
            if (held)
            {
                int left = _holders[value] - 1;
                if (left == 0) _holders.Remove(value);
                else _holders[value] = left;
            }
            _unheld.Add(value);
        }
    }

    /// <summary>Every tensor that requires gradients and leads to the outputs, each after all tensors computed from it.</summary>
    private static List<Tensor> ReverseTopologicalOrder(Tensor[] outputs)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        // Iterative depth-first search: deep graphs must not overflow the stack.
        var stack = new Stack<(Tensor Tensor, bool Expanded)>();
        foreach (var output in outputs) stack.Push((output, false));
        while (stack.Count > 0)
        {
            var (tensor, expanded) = stack.Pop();
            if (expanded)
            {
                order.Add(tensor);
                continue;
            }
            if (!visited.Add(tensor)) continue;
            stack.Push((tensor, true));
            if (tensor.GradFn is null) continue;
            foreach (var input in tensor.GradFn.Inputs)
                if (input.RequiresGrad && !visited.Contains(input)) stack.Push((input, false));
        }
        order.Reverse();
        return order;
    }
}
