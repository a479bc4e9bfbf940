using GanFromScratch.Kernels;

namespace GanFromScratch.Tests;

/// <summary>Test data for kernels: seeded random arrays, and moving them to and from a backend.</summary>
internal static class KernelData
{
    public static float[] Random(int n, int seed, float low = -1, float high = 1) => KernelAgreement.Random(n, seed, low, high);

    public static DeviceBuffer Up(Backend backend, float[] data)
    {
        var buffer = backend.Allocate(data.Length);
        backend.Upload(data, buffer);
        return buffer;
    }

    public static float[] Down(Backend backend, DeviceBuffer buffer, int n)
    {
        var data = new float[n];
        backend.Download(buffer, 0, data);
        return data;
    }
}
