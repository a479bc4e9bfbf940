namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// Host memory: <see cref="DeviceBuffer.Length"/> floats inside a pinned array, starting at the
/// array's first 64-byte boundary — a cache line, and an AVX-512 vector — so that no aligned
/// piece of a kernel's vector loads and stores straddles two lines.
/// </summary>
public sealed class CpuBuffer : DeviceBuffer
{
    /// <summary>Floats an array holds beyond its buffer's length, to reach a 64-byte boundary (a pinned array's data is 8-byte aligned).</summary>
    internal const int Slack = 15;

    internal CpuBuffer(CpuBackend backend, float[] array, int length) : base(backend, length)
    {
        Array = array;
        Offset = AlignmentOffset(array);
    }

    /// <summary>The pinned storage (pinned: its address never moves); the buffer's floats start at <see cref="Offset"/>.</summary>
    internal float[] Array { get; }

    /// <summary>Index of the buffer's first float in <see cref="Array"/>: its first 64-byte boundary.</summary>
    public int Offset { get; }

    /// <summary>The floats, to read or write: the buffer counts as written (<see cref="Version"/>).</summary>
    public Span<float> Span
    {
        get
        {
            Version++;
            return Array.AsSpan(Offset, Length);
        }
    }

    /// <summary>The first float's address, to read or write: the buffer counts as written (<see cref="Version"/>).</summary>
    public unsafe float* Pointer
    {
        get
        {
            Version++;
            return ReadPointer;
        }
    }

    /// <summary>The first float's address for a kernel that only reads the buffer (the products' operands).</summary>
    internal unsafe float* ReadPointer => Start(Array) + Offset;

    /// <summary>
    /// Counts the accesses that may have written the buffer — every <see cref="Pointer"/> and
    /// <see cref="Span"/>, reads among them, since a kernel may write whatever it is handed — so
    /// that a copy made of it (<see cref="PackedB"/>) is known to be current while this is unchanged.
    /// </summary>
    internal long Version { get; private set; }

    private bool _askedForPacking;
    private PackedB? _recent, _older;

    /// <summary>How many products have read a kept packing of this buffer instead of packing it (see <see cref="PackedB"/>).</summary>
    public long KeptPackingReads => Interlocked.Read(ref _keptPackingReads);
    private long _keptPackingReads;

    internal void CountKeptPackingRead() => Interlocked.Increment(ref _keptPackingReads);

    /// <summary>
    /// The kept packing of op(B) = the k×n matrix at <paramref name="origin"/> with the given
    /// strides (<paramref name="length"/> floats packed), or null the first time the buffer is
    /// asked (an activation, read by one product, keeps no copy; a weight is asked again). Two
    /// packings are kept: a weight is op(B) as Wᵀ (the forward pass) and as W (the input's
    /// gradient); a third replaces the one used less recently, taking over its storage. Null too
    /// where a new packing would exceed <see cref="PackedB.BudgetBytes"/>.
    /// </summary>
    internal PackedB? PackedAsB(nint origin, int rowStride, int colStride, int k, int n, long length)
    {
        lock (Array)
        {
            if (!_askedForPacking)
            {
                _askedForPacking = true;
                return null;
            }
            if (_recent is not null && _recent.Matches(origin, rowStride, colStride, k, n)) return _recent;
            if (_older is not null && _older.Matches(origin, rowStride, colStride, k, n))
            {
                (_recent, _older) = (_older, _recent);
                return _recent;
            }
            var storage = _older?.GiveUpStorage();
            _older = null;
            if (storage is not null && storage.Length < length)
            {
                PackedB.Free(storage);
                storage = null;
            }
            var packed = PackedB.Create(this, origin, rowStride, colStride, k, n, length, storage);
            if (packed is null) return null; // over the budget: packed into scratch as before
            (_recent, _older) = (packed, _recent);
            return _recent;
        }
    }

    /// <summary>Gives the packings' storage back (the buffer is being released).</summary>
    internal void ReleasePacks()
    {
        lock (Array)
        {
            _recent?.Release();
            _older?.Release();
            (_recent, _older) = (null, null);
        }
    }

    /// <summary>The address of a pinned array's first float.</summary>
    private static unsafe float* Start(float[] array) =>
        (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));

    private static unsafe int AlignmentOffset(float[] array) => (int)((64 - ((nint)Start(array) & 63)) & 63) / sizeof(float);
}
