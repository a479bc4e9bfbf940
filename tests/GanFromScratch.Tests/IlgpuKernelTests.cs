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

    public static TheoryData<string, GemmKernelChoice> GemmCases()
    {
        var data = new TheoryData<string, GemmKernelChoice>();
        foreach (var c in KernelAgreement.Cases().Where(c => c.Kernel == "gemm"))
            foreach (var kernel in new[] { GemmKernelChoice.Narrow, GemmKernelChoice.Wide })
                data.Add(Label(c), kernel);
        return data;
    }

    /// <summary>Both GEMM kernels on every GEMM case, whichever the automatic choice would take for its size.</summary>
    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Each_gemm_kernel_agrees_with_the_cpu(string label, GemmKernelChoice kernel)
    {
        var one = KernelAgreement.Cases().Single(c => Label(c) == label);
        fixture.Backend.GemmKernel = kernel;
        try
        {
            var check = KernelAgreement.Compare(CpuBackend.Instance, fixture.Backend, [one]).Single();
            Assert.True(check.Agrees, $"{kernel} {label}: max error {check.MaxError:G3} > {check.Tolerance:G3}");
        }
        finally
        {
            fixture.Backend.GemmKernel = GemmKernelChoice.Auto;
        }
    }
}
