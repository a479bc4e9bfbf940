using System.Text;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Engine;

/// <summary>
/// An n-dimensional array of float32 on a device, with contiguous row-major storage, that can
/// take part in automatic differentiation. The differentiable operations live in the
/// <c>Ops/</c> files, each with its derivative beside it.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly Storage _storage;
    private bool _disposed;
    private static long _created;

    private Tensor(Storage storage, int[] shape)
    {
        _storage = storage;
        Sequence = Interlocked.Increment(ref _created);
        Shape = shape;
        Size = Shapes.Count(shape);
        TensorScope.Track(this);
    }

    /// <summary>Wraps a freshly allocated buffer (the tensor takes ownership).</summary>
    internal Tensor(Backend backend, int[] shape) : this(new Storage(backend, backend.Allocate(Shapes.Count(shape))), shape) { }

    /// <summary>Extents, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>
    /// When this tensor object was made, as a count of every tensor made before it: what tells
    /// <see cref="Autograd"/> which gradients its own propagation created (and may free early).
    /// </summary>
    internal long Sequence { get; }

    /// <summary>The count of tensors made so far (the <see cref="Sequence"/> of the latest).</summary>
    internal static long Created => Interlocked.Read(ref _created);

    /// <summary>Number of elements.</summary>
    public int Size { get; }

    public int Rank => Shape.Length;

    /// <summary>The backend whose memory holds the data.</summary>
    public Backend Backend => _storage.Backend;

    /// <summary>The raw buffer, for kernels. Its length may exceed <see cref="Size"/> only if shared.</summary>
    public DeviceBuffer Buffer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _storage.Buffer;
        }
    }

    /// <summary>A view of the same storage with another shape (the storage is shared, not copied).</summary>
    internal Tensor View(int[] shape)
    {
        _storage.AddReference();
        return new Tensor(_storage, shape);
    }

    // ---- autograd state -----------------------------------------------------------------------

    private bool _requiresGrad;

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs); results of
    /// operations on such tensors require gradients by themselves while grad mode is on.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn is not null && !value)
                throw new InvalidOperationException("RequiresGrad cannot be switched off on the result of an operation; use Detach().");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; null before.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The operation that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; internal set; }

    /// <summary>A leaf was created by the user, not computed by a recorded operation.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for chaining.</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>
    /// Accumulates the gradient of this tensor into every leaf it depends on (see
    /// <see cref="Autograd.Backward"/>). A non-scalar tensor needs <paramref name="gradient"/>.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool createGraph = false) => Autograd.Backward(this, gradient, createGraph);

    /// <summary>The same data, cut from the graph: no gradient flows through the result.</summary>
    public Tensor Detach() => View(Shape);

    // ---- writing data in place (parameters, optimizer state, checkpoints) --------------------

    /// <summary>Overwrites the data with <paramref name="values"/> (same number of elements). Not recorded by autograd.</summary>
    public void Load(ReadOnlySpan<float> values)
    {
        if (values.Length != Size)
            throw new ArgumentException($"Load: {values.Length} values given for a tensor of shape {Shapes.Format(Shape)} ({Size} elements).");
        Backend.Upload(values, Buffer);
    }

    /// <summary>Overwrites the data with a copy of <paramref name="source"/>'s (same shape, same device). Not recorded by autograd.</summary>
    public void CopyFrom(Tensor source)
    {
        if (!Shapes.Equal(source.Shape, Shape))
            throw new ArgumentException($"CopyFrom: shape {Shapes.Format(source.Shape)} does not match {Shapes.Format(Shape)}.");
        SameBackend("copy", this, source);
        int[] strides = StridedShape.Contiguous(Shape);
        Backend.Copy(source.Buffer, 0, strides, Buffer, 0, strides, Shape);
    }

    /// <summary>Clamps every element to [min, max] in place (weight clipping). Not recorded by autograd.</summary>
    public void Clamp_(float min, float max)
    {
        if (min > max) throw new ArgumentException($"Clamp_: min ({min}) is greater than max ({max}).");
        Backend.Unary(UnaryOp.Clamp, Buffer, Buffer, Size, min, max);
    }

    // ---- reading data back --------------------------------------------------------------------

    /// <summary>Copies the data to the host (waits for queued kernels).</summary>
    public float[] ToArray()
    {
        var data = new float[Size];
        CopyTo(data);
        return data;
    }

    /// <summary>Copies the data into <paramref name="destination"/>, which holds exactly <see cref="Size"/> floats (waits for queued kernels).</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length != Size)
            throw new ArgumentException($"CopyTo: room for {destination.Length} values given for a tensor of shape {Shapes.Format(Shape)} ({Size} elements).");
        Backend.Download(Buffer, 0, destination);
    }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Size != 1)
            throw new InvalidOperationException($"Item() needs a tensor with one element, but this one has shape {Shapes.Format(Shape)}.");
        return ToArray()[0];
    }

    /// <summary>
    /// The values of several one-element tensors, read with one download: a GPU is waited for
    /// once, not once per value (a training step reports several losses).
    /// </summary>
    public static float[] Items(params Tensor[] scalars)
    {
        foreach (var t in scalars)
            if (t.Size != 1)
                throw new InvalidOperationException($"Items() needs tensors with one element, but one has shape {Shapes.Format(t.Shape)}.");
        using (Autograd.NoGrad()) return Concat(scalars.Select(t => t.Reshape(1)).ToArray()).ToArray();
    }

    public override string ToString()
    {
        var sb = new StringBuilder($"Tensor{Shapes.Format(Shape)}");
        if (GradFn is not null) sb.Append($" grad_fn={GradFn.Name}");
        else if (RequiresGrad) sb.Append(" requires_grad");
        if (!_disposed && Size <= 16) sb.Append(" [").Append(string.Join(", ", ToArray().Select(v => v.ToString("G6")))).Append(']');
        return sb.ToString();
    }

    /// <summary>Whether this tensor is alive and no other tensor (a view) shares its memory: what may be written in place.</summary>
    internal bool OwnsStorageAlone => !_disposed && _storage.Alone;

    /// <summary>Releases this tensor's reference to its storage; the memory returns to the backend when the last view is released.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _storage.Release();
    }

    /// <summary>Reference-counted device memory shared by a tensor and its views.</summary>
    /// <summary>
    /// A buffer shared by a tensor and its views, and the backend that computes on it: the one
    /// that allocated it, or a wrapper of that one (<see cref="KernelCounter"/>).
    /// </summary>
    private sealed class Storage(Backend backend, DeviceBuffer buffer)
    {
        private int _references = 1;
        public Backend Backend { get; } = backend;
        public DeviceBuffer Buffer { get; } = buffer;
        public void AddReference() => Interlocked.Increment(ref _references);
        /// <summary>No view shares the buffer.</summary>
        public bool Alone => Volatile.Read(ref _references) == 1;
        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0) Buffer.Dispose();
        }
    }
}

/// <summary>Where tensors are created unless told otherwise, and how a device is chosen by name.</summary>
public static class Device
{
    private static Backend _default = CpuBackend.Instance;
    [ThreadStatic] private static Backend? _threadDefault;

    /// <summary>The backend for new tensors: this thread's choice (<see cref="Use"/>) if any, else the process's (the CPU unless set).</summary>
    public static Backend Default
    {
        get => _threadDefault ?? _default;
        set => _default = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Makes <paramref name="backend"/> the default on this thread until the scope ends: <c>using (Device.Use(gpu)) { … }</c>.</summary>
    public static IDisposable Use(Backend backend) => new ThreadChoice(backend);

    private sealed class ThreadChoice : IDisposable
    {
        private readonly Backend? _saved = _threadDefault;
        public ThreadChoice(Backend backend) => _threadDefault = backend;
        public void Dispose() => _threadDefault = _saved;
    }

    public const string Choices = "auto, cpu, cuda, cuda:N, ilgpu-cpu";

    /// <summary>
    /// The device of the process with <paramref name="localRank"/> on a machine with <paramref name="gpus"/>
    /// CUDA GPUs: with "auto" or "cuda", GPU localRank mod gpus (one GPU per rank, ranks beyond them
    /// sharing); "auto" without GPUs stays the CPU; a device named outright is kept.
    /// </summary>
    public static string ForRank(string name, int localRank, int gpus) => name switch
    {
        "auto" or "cuda" when gpus > 0 => $"cuda:{localRank % gpus}",
        _ => name,
    };

    /// <summary>
    /// Opens the device a user named: <c>cpu</c>; <c>cuda</c> or <c>cuda:N</c> (an NVIDIA GPU
    /// through ILGPU); <c>ilgpu-cpu</c> (the CUDA kernels on ILGPU's CPU emulator — slow, for
    /// testing); <c>auto</c> (the first CUDA device, else the CPU). <paramref name="note"/> says
    /// what was chosen, in one line.
    /// </summary>
    public static Backend Open(string name, out string note)
    {
        switch (name)
        {
            case "cpu":
                note = "device: cpu";
                return CpuBackend.Instance;
            case "ilgpu-cpu":
                note = "device: ilgpu-cpu (the CUDA kernels emulated on the CPU; slow, for testing)";
                return Kernels.Cuda.IlgpuBackend.OpenCpuEmulator();
            case "auto":
                try
                {
                    var gpu = Kernels.Cuda.IlgpuBackend.OpenCuda(0);
                    note = $"device: auto → cuda:0 ({gpu.Description})";
                    return gpu;
                }
                catch (InvalidOperationException e)
                {
                    int end = e.Message.IndexOf(". ", StringComparison.Ordinal);
                    note = $"device: auto → cpu ({(end > 0 ? e.Message[..end] : e.Message.TrimEnd('.'))})";
                    return CpuBackend.Instance;
                }
        }
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (name != "cuda" && !int.TryParse(name.AsSpan(5), out index))
                throw new ArgumentException($"--device {name}: expected cuda:N with N a device number, as cuda:0.");
            var gpu = Kernels.Cuda.IlgpuBackend.OpenCuda(index);
            note = $"device: {gpu.Name} ({gpu.Description})";
            return gpu;
        }
        throw new ArgumentException($"Unknown device '{name}'. Valid: {Choices}.");
    }
}
