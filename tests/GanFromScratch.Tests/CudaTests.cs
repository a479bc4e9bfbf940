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
        var toy = new TrainConfig { Variant = "wgan-gp", Dim = 64, BatchSize = 64, Lambda = 10f, Lr = 1e-3f, Seed = 7, Iters = 3 };
        var data = GanFromScratch.Gan.Data.ImageDataset.Random(200, 3);
        var image = new TrainConfig { Variant = "wgan-gp", Dataset = "fashion-mnist", Dim = 16, BatchSize = 50, Lambda = 10f, Iters = 3 };
        foreach (var make in new Func<IGanTrainer>[] { () => new ToyTrainer(toy), () => new ImageTrainer(image, data) })
        {
            StepLosses[] Run(Backend backend)
            {
                using var device = Device.Use(backend);
                var trainer = make();
                return [trainer.Step(), trainer.Step(), trainer.Step()];
            }
            var cpu = Run(CpuBackend.Instance);
            var gpu = Run(fixture.Backend);
            for (int i = 0; i < 3; i++)
                foreach (var (a, b) in new[] { (cpu[i].CriticLoss, gpu[i].CriticLoss), (cpu[i].GLoss, gpu[i].GLoss) })
                    Assert.True(Math.Abs(a - b) <= 1e-3f * Math.Max(1f, Math.Abs(a)), $"iteration {i + 1}: cpu {cpu[i]}, cuda {gpu[i]}");
        }
    }
}
