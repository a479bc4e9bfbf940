namespace GanFromScratch.Kernels.Cpu;

/// <summary>Host memory: a pinned float array, so kernels can take a pointer to it without fixing it.</summary>
public sealed class CpuBuffer : DeviceBuffer
{
    internal CpuBuffer(CpuBackend backend, float[] array) : base(backend, array.Length) => Array = array;

    /// <summary>The pinned storage (pinned: its address never moves).</summary>
    public float[] Array { get; }

    public Span<float> Span => Array;

    public unsafe float* Pointer => (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(Array));
}
