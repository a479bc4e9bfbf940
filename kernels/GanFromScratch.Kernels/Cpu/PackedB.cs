namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// A product's operand op(B) packed whole — every KC-deep slab's panels of NR columns, as
/// <see cref="CpuGemm"/> lays them out — kept beside the buffer it was read from and reused for
/// as long as that buffer is unwritten (<see cref="CpuBuffer.Version"/>). A layer's weight is the
/// B operand of each product of the layer (the forward pass on every batch, the input's gradient,
/// the penalty's double backward: seven in a WGAN-GP critic step) and changes only at the
/// optimizer's step, so it is packed once per step rather than once per product.
/// </summary>
public sealed unsafe class PackedB
{
    private readonly CpuBuffer _source;
    private CpuBuffer? _panels;
    /// <summary>The source's version the panels were packed from; −1 until they are.</summary>
    private long _packedAt = -1;

    internal PackedB(CpuBuffer source, nint origin, int rowStride, int colStride, int k, int n)
    {
        _source = source;
        (Origin, RowStride, ColStride, K, N) = (origin, rowStride, colStride, k, n);
    }

    /// <summary>Where op(B) starts in the source, its strides and extents (k×n): what was packed.</summary>
    internal nint Origin { get; }
    internal int RowStride { get; }
    internal int ColStride { get; }
    internal int K { get; }
    internal int N { get; }

    internal bool Matches(nint origin, int rowStride, int colStride, int k, int n) =>
        origin == Origin && rowStride == RowStride && colStride == ColStride && k == K && n == N;

    /// <summary>Whether the panels hold the source as it is now.</summary>
    internal bool IsCurrent => _packedAt == _source.Version;

    /// <summary>Storage for <paramref name="length"/> packed floats (the same length every time: it is fixed by k and n).</summary>
    internal float* Panels(long length)
    {
        if (_panels is null || _panels.Length < length) _panels = (CpuBuffer)_source.Backend.Allocate(checked((int)length));
        return _panels.ReadPointer;
    }

    /// <summary>Records that the panels now hold the source as it is.</summary>
    internal void MarkCurrent() => _packedAt = _source.Version;

    /// <summary>Gives the storage back to the backend (the source is being released).</summary>
    internal void Release()
    {
        _panels?.Dispose();
        _panels = null;
        _packedAt = -1;
    }
}
