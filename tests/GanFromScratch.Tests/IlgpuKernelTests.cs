using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;
using GanFromScratch.Kernels.Cuda;
using static GanFromScratch.Tests.KernelData;

namespace GanFromScratch.Tests;

/// <summary>One ILGPU CPU accelerator (the CUDA kernels, emulated) shared by the tests that need it.</summary>
public sealed class IlgpuFixture : IDisposable
{
    public IlgpuBackend Backend { get; } = IlgpuBackend.OpenCpuEmulator();
    public void Dispose() => Backend.Dispose();
}

/// <summary>
/// Every kernel of the ILGPU backend, run on ILGPU's CPU accelerator (the same kernel code that
/// is compiled for CUDA), against the CPU backend on the same inputs. Small, odd shapes: the
/// emulator is slow, and odd sizes catch tile edges.
/// </summary>
public class IlgpuKernelTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    public static TheoryData<string> CaseNames() => [.. KernelAgreement.Cases().Select(Label)];

    private static string Label(KernelAgreement.Case c) => $"{c.Kernel}: {c.Name}";

    /// <summary>Each case of <see cref="KernelAgreement"/>: the emulated CUDA kernel against the CPU's, within the case's tolerance.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void The_kernel_agrees_with_the_cpu(string label)
    {
        var one = KernelAgreement.Cases().Where(c => Label(c) == label).ToArray();
        Assert.Single(one);
        var check = KernelAgreement.Compare(CpuBackend.Instance, fixture.Backend, one).Single();
        Assert.True(check.Agrees, $"{label}: max error {check.MaxError:G3} > {check.Tolerance:G3}");
    }

    [Fact]
    public void The_shape_ring_wraps_around_without_corrupting_queued_launches()
    {
        // A ring of 40 ints holds three records of a rank-3 broadcast (10 ints each): the fourth launch wraps.
        using var small = IlgpuBackend.OpenCpuEmulator(metaRingLength: 40);
        var a = Random(24, 21);
        var b = Random(4, 22);
        var expected = new float[24];
        var y = Up(CpuBackend.Instance, new float[24]);
        var ca = Up(CpuBackend.Instance, a);
        var cb = Up(CpuBackend.Instance, b);
        var ga = Up(small, a);
        var gb = Up(small, b);
        var gy = Up(small, new float[24]);
        for (int i = 0; i < 10; i++)
        {
            // y = y·a + b, b broadcast along the first two axes: each launch depends on the one before.
            foreach (var (be, ya, aa, bb) in new[] { ((Backend)CpuBackend.Instance, y, ca, cb), (small, gy, ga, gb) })
            {
                be.Binary(BinaryOp.Mul, ya, [12, 4, 1], aa, [12, 4, 1], ya, [2, 3, 4]);
                be.Binary(BinaryOp.Add, ya, [12, 4, 1], bb, [0, 0, 1], ya, [2, 3, 4]);
            }
        }
        var cpu = Down(CpuBackend.Instance, y, 24);
        var gpu = Down(small, gy, 24);
        for (int i = 0; i < 24; i++) Assert.True(Math.Abs(cpu[i] - gpu[i]) <= 1e-5f * Math.Max(1, Math.Abs(cpu[i])), $"element {i}: cpu {cpu[i]}, ilgpu {gpu[i]}");
    }
}
