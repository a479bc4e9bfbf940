namespace GanFromScratch.Engine;

/// <summary>
/// Deterministic release of temporaries. Every tensor created while a scope is open belongs to
/// it; disposing the scope disposes them all, except those handed on with <see cref="Keep"/>.
/// A training step runs in one scope, so its activations, gradients and graph return their
/// memory to the backend's pool at the end of the step instead of waiting for the garbage
/// collector — what keeps memory flat over thousands of steps.
/// <code>
/// using (var step = TensorScope.Begin())
/// {
///     var loss = Loss(critic, batch);
///     loss.Backward();
///     optimizer.Step();
///     critic.ZeroGrad();     // drop references to this step's gradients before they are freed
/// }
/// </code>
/// Scopes nest; a tensor created outside every scope (a parameter, an optimizer's state) is
/// owned by whoever created it.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _parent;
    private List<Tensor>? _owned = [];

    private TensorScope(TensorScope? parent) => _parent = parent;

    /// <summary>Opens a scope on this thread; it owns the tensors created until it is disposed.</summary>
    public static TensorScope Begin() => _current = new TensorScope(_current);

    /// <summary>Called by every tensor constructor.</summary>
    internal static void Track(Tensor tensor) => _current?._owned?.Add(tensor);

    /// <summary>
    /// Hands <paramref name="tensor"/> to the enclosing scope (or to the caller, if this is the
    /// outermost one) so it survives this scope's end.
    /// </summary>
    public Tensor Keep(Tensor tensor)
    {
        if (_owned is null) throw new ObjectDisposedException(nameof(TensorScope));
        int i = _owned.LastIndexOf(tensor);
        if (i >= 0)
        {
            _owned.RemoveAt(i);
            _parent?._owned?.Add(tensor);
        }
        return tensor;
    }

    /// <summary>Disposes every tensor the scope still owns and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_owned is null) return;
        if (!ReferenceEquals(_current, this))
            throw new InvalidOperationException("Tensor scopes must be disposed in the reverse order of their creation.");
        foreach (var tensor in _owned) tensor.Dispose();
        _owned = null;
        _current = _parent;
    }
}
