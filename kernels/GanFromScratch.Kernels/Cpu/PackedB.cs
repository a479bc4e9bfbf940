namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// A product's operand op(B) packed whole — every KC-deep slab's panels of NR columns, as
/// <see cref="CpuGemm"/> lays them out — kept beside the buffer it was read from and reused for
/// as long as that buffer is unwritten (<see cref="CpuBuffer.Version"/>). A layer's weight is the
/// B operand of each product of the layer (the forward pass on every batch, the input's gradient,
/// the penalty's double backward: seven in a WGAN-GP critic step) and changes only at the
/// optimizer's step, so it is packed once per step rather than once per product.
/// </summary>
/// <remarks>
/// A product packs into <see cref="Panels"/> when <see cref="Holds"/> is false for the version it
/// read before packing, then records that version (<see cref="MarkPacked"/>): a write during the
/// packing leaves the panels marked as older than the buffer. One thread's products at a time read
/// a buffer as op(B) (the training loop's; every kernel's buffers are one caller's at a time): a
/// packing replaced by a third layout hands its storage over.
/// </remarks>
public sealed unsafe class PackedB
{
    private readonly CpuBuffer _source;
    private CpuBuffer? _panels;
    /// <summary>The source's version the panels were packed from; −1 until they are.</summary>
    private long _packedAt = -1;

    private PackedB(CpuBuffer source, nint origin, int rowStride, int colStride, int k, int n, CpuBuffer panels)
    {
        _source = source;
        _panels = panels;
        (Origin, RowStride, ColStride, K, N) = (origin, rowStride, colStride, k, n);
    }

    /// <summary>
    /// Bytes that the kept packings of all buffers may hold together (default 256 MiB); a packing
    /// that would need new storage beyond it is not kept (its products pack as before). Kept
    /// packings cost up to twice the size of the weights that keep them.
    /// </summary>
    public static long BudgetBytes { get; set; } = 256L << 20;

    /// <summary>Bytes the kept packings hold now.</summary>
    public static long KeptBytes => Interlocked.Read(ref _keptBytes);
    private static long _keptBytes;

    /// <summary>
    /// A packing of op(B) read from <paramref name="source"/> (<paramref name="length"/> floats), in
    /// <paramref name="storage"/> given up by a packing it replaces (at least that long), or in new
    /// storage if the budget allows it; otherwise null.
    /// </summary>
    internal static PackedB? Create(CpuBuffer source, nint origin, int rowStride, int colStride, int k, int n, long length, CpuBuffer? storage)
    {
        if (storage is null)
        {
            long bytes = 4 * length;
            if (Interlocked.Add(ref _keptBytes, bytes) > BudgetBytes)
            {
                Interlocked.Add(ref _keptBytes, -bytes);
                return null;
            }
            storage = (CpuBuffer)source.Backend.Allocate(checked((int)length));
        }
        return new PackedB(source, origin, rowStride, colStride, k, n, storage);
    }

    /// <summary>Gives storage of a packing back to the backend and its bytes to the budget.</summary>
    internal static void Free(CpuBuffer storage)
    {
        Interlocked.Add(ref _keptBytes, -4L * storage.Length);
        storage.Dispose();
    }

    /// <summary>Where op(B) starts in the source, its strides and extents (k×n): what is packed.</summary>
    internal nint Origin { get; }
    internal int RowStride { get; }
    internal int ColStride { get; }
    internal int K { get; }
    internal int N { get; }

    internal bool Matches(nint origin, int rowStride, int colStride, int k, int n) =>
        origin == Origin && rowStride == RowStride && colStride == ColStride && k == K && n == N;

    /// <summary>The packed floats.</summary>
    internal float* Panels => (_panels ?? throw new ObjectDisposedException(nameof(PackedB))).ReadPointer;

    /// <summary>The source's version now.</summary>
    internal long SourceVersion => _source.Version;

    /// <summary>Counts a product that read these panels instead of packing (<see cref="CpuBuffer.KeptPackingReads"/>).</summary>
    internal void CountRead() => _source.CountKeptPackingRead();

    /// <summary>Whether the panels hold the source as it was at <paramref name="version"/>.</summary>
    internal bool Holds(long version) => _packedAt == version;

    /// <summary>Records that the panels hold the source as it was at <paramref name="version"/> (read before they were packed).</summary>
    internal void MarkPacked(long version) => _packedAt = version;

    /// <summary>The storage, handed over to a packing that replaces this one (which is no longer used).</summary>
    internal CpuBuffer? GiveUpStorage()
    {
        var panels = _panels;
        (_panels, _packedAt) = (null, -1);
        return panels;
    }

    /// <summary>Gives the storage back (the source is being released).</summary>
    internal void Release()
    {
        if (GiveUpStorage() is { } storage) Free(storage);
    }
}
