using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;
using GanFromScratch.Kernels.Cuda;

namespace GanFromScratch.Tests;

/// <summary>
/// The engine and a training run on ILGPU's CPU accelerator (the CUDA kernels, emulated) against
/// the CPU backend: a gradient of a gradient, and three seeded WGAN-GP iterations.
/// </summary>
public class IlgpuTrainingTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private readonly Backend _gpu = fixture.Backend;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_penalty_gradient_passes_gradcheck_on_both_backends(bool emulated)
    {
        using var device = Device.Use(emulated ? _gpu : CpuBackend.Instance);
        var g = new Generator(5);
        var w1 = Tensor.Randn([4, 2], g, 0, 0.4f).RequiresGrad_();
        var w2 = Tensor.Randn([1, 4], g, 0, 0.4f).RequiresGrad_();
        var x = Tensor.Randn([3, 2], g);
        // P(W) = mean((‖∇ₓD(x)‖ − 1)²) for D(x) = tanh(x·W1ᵀ)·W2ᵀ: its gradient with respect to W is a
        // gradient of the gradient ∇ₓD, checked against central differences of P.
        Tensor Penalty(Tensor[] ws)
        {
            var xi = x.Detach().RequiresGrad_();
            var d = Tensor.MatMulT(Tensor.MatMulT(xi, ws[0], false, true).Tanh(), ws[1], false, true);
            var gx = Autograd.Grad([d.Sum()], [xi], createGraph: true)[0]!;
            return (gx.Norm([1]) - 1f).Square().Mean();
        }
        GradCheck.Check(Penalty, w1, w2);
    }

    [Fact]
    public void Three_wgan_gp_iterations_give_the_same_losses_as_on_the_cpu()
    {
        var config = new TrainConfig { Variant = "wgan-gp", Dim = 8, BatchSize = 8, Lambda = 10f, Lr = 1e-3f, Seed = 7, Iters = 3 };
        StepLosses[] Run(Backend backend)
        {
            using var device = Device.Use(backend);
            var trainer = new ToyTrainer(config);
            Assert.Same(backend, trainer.G.Parameters().First().Backend);
            return [trainer.Step(), trainer.Step(), trainer.Step()];
        }
        var cpu = Run(CpuBackend.Instance);
        var gpu = Run(_gpu);
        // Same random numbers (Philox on both), same formulas; sums may associate differently: 1e-4 relative.
        for (int i = 0; i < 3; i++)
            foreach (var (name, a, b) in new[] { ("critic loss", cpu[i].CriticLoss, gpu[i].CriticLoss), ("critic_w", cpu[i].CriticW, gpu[i].CriticW),
                         ("generator loss", cpu[i].GLoss, gpu[i].GLoss), ("penalty", cpu[i].Penalty, gpu[i].Penalty) })
                Assert.True(Math.Abs(a - b) <= 1e-5 + 1e-4 * Math.Abs(a), $"iteration {i + 1} {name}: cpu {a}, ilgpu-cpu {b}");
    }

    [Fact]
    public void An_image_wgan_gp_iteration_gives_the_same_losses_as_on_the_cpu()
    {
        var data = GanFromScratch.Gan.Data.ImageDataset.Random(8, 3);
        var config = new TrainConfig { Variant = "wgan-gp", Dataset = "fashion-mnist", Dim = 1, BatchSize = 2, CriticIters = 1, Lambda = 10f, Lr = 1e-3f, Iters = 1 };
        StepLosses Run(Backend backend)
        {
            using var device = Device.Use(backend);
            return new ImageTrainer(config, data).Step();
        }
        var cpu = Run(CpuBackend.Instance);
        var gpu = Run(_gpu);
        foreach (var (a, b) in new[] { (cpu.CriticLoss, gpu.CriticLoss), (cpu.GLoss, gpu.GLoss), (cpu.Penalty, gpu.Penalty) })
            Assert.True(Math.Abs(a - b) <= 1e-4f * Math.Max(1f, Math.Abs(a)), $"cpu {cpu}, ilgpu {gpu}");
    }

    [Fact]
    public void Device_memory_stays_flat_over_training_steps_and_the_pool_can_be_emptied()
    {
        using var backend = IlgpuBackend.OpenCpuEmulator();
        using var device = Device.Use(backend);
        var trainer = new ToyTrainer(new TrainConfig { Variant = "wgan-gp", Dim = 8, BatchSize = 8, CriticIters = 1, Lambda = 10f, Seed = 3, Iters = 100 });
        trainer.Step();
        trainer.Step();
        long afterTwo = backend.AllocatedBytes;
        for (int i = 0; i < 4; i++) trainer.Step();
        Assert.Equal(afterTwo, backend.AllocatedBytes);
        Assert.True(backend.PooledBytes > 0);
        long pooled = backend.PooledBytes;
        Assert.Equal(pooled, backend.EmptyPool());
        Assert.Equal(afterTwo - pooled, backend.AllocatedBytes);
    }

    [Fact]
    public void Nearby_sizes_share_a_pooled_block()
    {
        using var backend = IlgpuBackend.OpenCpuEmulator();
        backend.Allocate(1000).Dispose();
        long held = backend.AllocatedBytes;
        using (var again = backend.Allocate(990))
        {
            Assert.Equal(990, again.Length);
            Assert.Equal(held, backend.AllocatedBytes); // the same block, not a new one
        }
        Assert.Equal(4L * MemoryPool.SizeClass(1000), held);
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(65, 128)]
    [InlineData(1024, 1024)]
    [InlineData(1025, 1280)]
    [InlineData(4096, 4096)]
    [InlineData(5000, 5120)]
    [InlineData(7169, 8192)]
    public void Size_classes_round_up_by_at_most_a_quarter(int length, int expected)
    {
        Assert.Equal(expected, MemoryPool.SizeClass(length));
        for (int n = 1; n < 100_000; n = n * 3 / 2 + 1)
        {
            int c = MemoryPool.SizeClass(n);
            Assert.InRange(c, n, Math.Max(64, n + n / 4 + 64));
            Assert.Equal(c, MemoryPool.SizeClass(c)); // a class is its own class
        }
    }
}
