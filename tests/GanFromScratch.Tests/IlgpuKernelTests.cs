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

/// <summary>How a GEMM is launched on a GPU of 132 multiprocessors (an H200) with groups of up to 16×16 threads.</summary>
public class GemmPlanTests
{
    [Theory]
    [InlineData(4096, 4096, 1, true, 16)]    // 32×32 wide groups cover the GPU
    [InlineData(2048, 2048, 1, true, 16)]    // 16×16 = 256 wide groups
    [InlineData(1024, 1024, 1, false, 16)]   // 64 wide groups would not; 256 narrow ones of 64×64 do
    [InlineData(256, 512, 1, false, 8)]      // a GAN layer: 128 groups of 32×32, not 32 of 64×64
    [InlineData(512, 512, 1, false, 8)]      // its weight gradient: 256 groups of 32×32
    [InlineData(16, 16, 1, false, 8)]        // too small for any: the smallest blocks
    [InlineData(512, 512, 4, false, 16)]     // a batch of four: 4 × 64 narrow groups of 64×64
    public void Auto_takes_the_largest_blocks_that_cover_every_multiprocessor(int m, int n, int batch, bool wide, int tile)
    {
        var plan = GemmPlan.Choose(GemmKernelChoice.Auto, m, n, batch, multiprocessors: 132, maxTile: 16);
        Assert.Equal(new GemmPlan(wide, tile), plan);
    }

    [Fact]
    public void Forced_kernels_take_full_groups_and_the_emulator_never_goes_below_its_groups()
    {
        Assert.Equal(new GemmPlan(true, 16), GemmPlan.Choose(GemmKernelChoice.Wide, 16, 16, 1, 132, 16));
        Assert.Equal(new GemmPlan(false, 16), GemmPlan.Choose(GemmKernelChoice.Narrow, 4096, 4096, 1, 132, 16));
        Assert.Equal(new GemmPlan(false, 4), GemmPlan.Choose(GemmKernelChoice.Auto, 16, 16, 1, 132, 4));
        Assert.Equal(128, new GemmPlan(false, 8).Groups(256, 512, 1));
        Assert.Equal(32, new GemmPlan(false, 8).Block);
        Assert.Equal(128, new GemmPlan(true, 16).Block);
    }
}

/// <summary>
/// The emulator shaped like an NVIDIA GPU: warps of 32 threads, groups of 256 (so GEMM groups of
/// 16×16 and the reductions' shuffles across 32 lanes, as on the GPU), and groups of 64 (the
/// 8×8 GEMM groups that small products get on a GPU). The default emulator runs groups of 16.
/// Each emulated thread is an OS thread, so these take seconds.
/// </summary>
public sealed class GpuShapedEmulators : IDisposable
{
    public IlgpuBackend Groups256 { get; } = IlgpuBackend.OpenCpuEmulator(new ILGPU.Runtime.CPU.CPUDevice(32, 8, 1));
    public IlgpuBackend Groups64 { get; } = IlgpuBackend.OpenCpuEmulator(new ILGPU.Runtime.CPU.CPUDevice(32, 2, 1));

    public void Dispose()
    {
        Groups256.Dispose();
        Groups64.Dispose();
    }
}

public class GpuShapedEmulatorTests(GpuShapedEmulators emulators) : IClassFixture<GpuShapedEmulators>
{
    [Theory]
    [InlineData(256, GemmKernelChoice.Narrow, 16)]
    [InlineData(256, GemmKernelChoice.Wide, 16)]
    [InlineData(64, GemmKernelChoice.Narrow, 8)]
    [InlineData(64, GemmKernelChoice.Wide, 8)]
    public void Gemm_kernels_agree_with_the_cpu_with_a_gpus_group_sizes(int threadsPerGroup, GemmKernelChoice kernel, int tile)
    {
        var backend = threadsPerGroup == 256 ? emulators.Groups256 : emulators.Groups64;
        backend.GemmKernel = kernel;
        try
        {
            Assert.Equal(tile, backend.PlanGemm(70, 40, 1).Tile);
            var failures = KernelAgreement.Compare(CpuBackend.Instance, backend, KernelAgreement.Cases().Where(c => c.Kernel == "gemm"))
                .Where(c => !c.Agrees).Select(c => $"{c.Case}: max error {c.MaxError:G3} > {c.Tolerance:G3}");
            Assert.Empty(failures);
        }
        finally
        {
            backend.GemmKernel = GemmKernelChoice.Auto;
        }
    }

    [Fact]
    public void The_other_kernels_agree_with_the_cpu_in_groups_of_256_and_warps_of_32()
    {
        var failures = KernelAgreement.Compare(CpuBackend.Instance, emulators.Groups256, KernelAgreement.Cases().Where(c => c.Kernel != "gemm"))
            .Where(c => !c.Agrees).Select(c => $"{c.Kernel}: {c.Case}: max error {c.MaxError:G3} > {c.Tolerance:G3}");
        Assert.Empty(failures);
    }
}
