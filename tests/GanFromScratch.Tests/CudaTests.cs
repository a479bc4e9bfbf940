using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;
using GanFromScratch.Kernels.Cuda;

namespace GanFromScratch.Tests;

/// <summary>A test that needs a CUDA GPU: skipped, with the reason shown, where there is none.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        var devices = IlgpuBackend.ListCudaDevices(out var problem);
        return devices.Count > 0 ? null : $"needs a CUDA GPU: {problem ?? "none found"}";
    });

    public CudaFactAttribute()
    {
        if (Missing.Value is { } reason) Skip = reason;
    }
}

/// <summary>One CUDA backend (cuda:0) shared by the GPU tests; opened only when a test runs.</summary>
public sealed class CudaFixture : IDisposable
{
    private readonly Lazy<IlgpuBackend> _backend = new(() => IlgpuBackend.OpenCuda(0));
    public IlgpuBackend Backend => _backend.Value;
    public void Dispose()
    {
        if (_backend.IsValueCreated) _backend.Value.Dispose();
    }
}

/// <summary>
/// The same kernel comparisons as on the emulator, on a real GPU, plus sizes the emulator is too
/// slow for (GEMM with full 64×64 blocks of 16×16 threads, long reductions) and whole training
/// iterations against the CPU.
/// </summary>
public class CudaTests(CudaFixture fixture) : IClassFixture<CudaFixture>
{
    [CudaFact]
    public void Every_kernel_agrees_with_the_cpu()
    {
        var failures = KernelAgreement.Compare(CpuBackend.Instance, fixture.Backend, large: true).Where(c => !c.Agrees)
            .Select(c => $"{c.Kernel}: {c.Case}: max error {c.MaxError:G3} > {c.Tolerance:G3}").ToArray();
        Assert.True(failures.Length == 0, string.Join("\n", failures));
    }

    [CudaFact]
    public void Toy_and_image_wgan_gp_iterations_give_the_cpu_losses()
    {
        var failures = TrainingAgreement.Compare(CpuBackend.Instance, fixture.Backend, large: true).Where(c => !c.Agrees)
            .Select(c => $"{c.Run}, iteration {c.Iteration}, {c.Loss}: cpu {c.Reference}, cuda {c.Candidate}").ToArray();
        Assert.True(failures.Length == 0, string.Join("\n", failures));
    }
}
