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

    public Span<float> Span => Array.AsSpan(Offset, Length);

    public unsafe float* Pointer => Start(Array) + Offset;

    /// <summary>The address of a pinned array's first float.</summary>
    private static unsafe float* Start(float[] array) =>
        (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));

    private static unsafe int AlignmentOffset(float[] array) => (int)((64 - ((nint)Start(array) & 63)) & 63) / sizeof(float);
}
