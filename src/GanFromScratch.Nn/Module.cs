using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// A piece of a network, as PyTorch's <c>nn.Module</c>: it owns named parameters (leaf tensors
/// that require gradients) and child modules, and maps an input to an output in
/// <see cref="Forward(Tensor)"/>. Names are dotted paths ("main.0.weight"), the same keys PyTorch's
/// <c>state_dict()</c> would give the same network, so checkpoints load on either side.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Value)> _parameters = [];
    private readonly List<(string Name, Tensor Value)> _buffers = [];
    private readonly List<(string Name, Module Value)> _children = [];

    /// <summary>Training mode (the default) or evaluation mode; layers such as dropout and batch norm differ.</summary>
    public bool Training { get; private set; } = true;

    public abstract Tensor Forward(Tensor x);

    /// <summary>
    /// Forward with a second input that conditions the output — a conditional GAN's labels, as
    /// class indices held in floats. A module that takes none refuses it.
    /// </summary>
    public virtual Tensor Forward(Tensor x, Tensor condition) =>
        throw new InvalidOperationException($"{GetType().Name} takes no condition: call Forward(x).");

    /// <summary>Forward, so that a module reads like a function: <c>critic.Call(x)</c>.</summary>
    public Tensor Call(Tensor x) => Forward(x);

    protected Tensor RegisterParameter(string name, Tensor value)
    {
        value.RequiresGrad = true;
        _parameters.Add((name, value));
        return value;
    }

    /// <summary>
    /// A tensor that is part of the module's state but not trained (batch norm's running
    /// statistics): saved and loaded with the parameters, never given to an optimizer.
    /// </summary>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        _buffers.Add((name, value));
        return value;
    }

    /// <summary>A buffer added from outside the module's own constructor (spectral normalization's u and v).</summary>
    internal Tensor AddBuffer(string name, Tensor value)
    {
        if (_buffers.Any(b => b.Name == name)) throw new InvalidOperationException($"{GetType().Name} already has a buffer '{name}'.");
        return RegisterBuffer(name, value);
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    /// <summary>Every parameter of this module and its descendants, with its dotted name, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters(string prefix = "")
    {
        foreach (var (name, value) in _parameters) yield return (prefix + name, value);
        foreach (var (name, child) in _children)
            foreach (var p in child.NamedParameters(prefix + name + ".")) yield return p;
    }

    /// <summary>Every buffer of this module and its descendants, with its dotted name.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, value) in _buffers) yield return (prefix + name, value);
        foreach (var (name, child) in _children)
            foreach (var b in child.NamedBuffers(prefix + name + ".")) yield return b;
    }

    /// <summary>
    /// A copy of the buffers of <paramref name="networks"/> (batch norm's running statistics, spectral
    /// norm's u and v; those <paramref name="except"/> picks are left out), written back when disposed.
    /// A forward in training mode moves them; around a forward that is not training (a measurement),
    /// this leaves the networks as it found them.
    /// </summary>
    public static IDisposable KeepBuffers(IEnumerable<Module> networks, Func<Tensor, bool>? except = null) =>
        new BufferCopy([.. networks.SelectMany(n => n.NamedBuffers()).Select(b => b.Value).Where(b => except is null || !except(b)).Distinct()]);

    private sealed class BufferCopy(List<Tensor> buffers) : IDisposable
    {
        private readonly List<float[]> _values = buffers.Select(b => b.ToArray()).ToList();

        public void Dispose()
        {
            for (int i = 0; i < buffers.Count; i++) buffers[i].Load(_values[i]);
        }
    }

    /// <summary>What a checkpoint of this module holds: the parameters, then the buffers.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedState(string prefix = "") => NamedParameters(prefix).Concat(NamedBuffers(prefix));

    /// <summary>This module and every descendant, depth first.</summary>
    public IEnumerable<Module> Modules()
    {
        yield return this;
        foreach (var (_, child) in _children)
            foreach (var m in child.Modules()) yield return m;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>Number of trainable numbers.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Size);

    /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
    public Module Train(bool on = true)
    {
        Training = on;
        foreach (var (_, child) in _children) child.Train(on);
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>
    /// Switches gradient tracking of every parameter on or off, as PyTorch's
    /// <c>requires_grad_</c>: a GAN freezes the critic while the generator learns. Returns this.
    /// </summary>
    public Module RequiresGrad_(bool on = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = on;
        return this;
    }

    /// <summary>Forgets the gradients of every parameter (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>The parameters and buffers by name (the tensors themselves, not copies).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() => NamedState().ToDictionary(p => p.Name, p => p.Value);

    /// <summary>
    /// Copies saved values into the parameters and buffers: the entries whose names start with
    /// <paramref name="prefix"/> ("generator." in a gfs checkpoint). Every parameter must be there
    /// with its exact shape and nothing else may be; a mismatch names the first offending key,
    /// and nothing is changed unless everything matches.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, StoredTensor> state, string prefix = "")
    {
        var own = NamedState(prefix).ToList();
        var extra = state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Except(own.Select(p => p.Name)).FirstOrDefault();
        if (extra is not null) throw new InvalidDataException($"The saved state has an entry '{extra}' that the model does not have.");
        SafeTensors.LoadInto(state, own);
    }
}
