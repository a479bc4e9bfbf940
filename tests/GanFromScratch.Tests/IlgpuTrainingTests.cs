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
        var g = new RandomStream(5);
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

    /// <summary>
    /// Seeded toy and image WGAN-GP iterations give the CPU's losses (<see cref="TrainingAgreement"/>):
    /// the same random numbers on both, the same formulas; sums may associate differently.
    /// </summary>
    [Fact]
    public void Wgan_gp_iterations_give_the_same_losses_as_on_the_cpu()
    {
        var checks = TrainingAgreement.Compare(CpuBackend.Instance, _gpu, large: false).ToArray();
        Assert.Equal(3 * 4 + 1 * 4, checks.Length);
        var failures = checks.Where(c => !c.Agrees).Select(c => $"{c.Run}, iteration {c.Iteration}, {c.Loss}: cpu {c.Reference}, ilgpu-cpu {c.Candidate}");
        Assert.Empty(failures);
    }

    [Fact]
    public void A_trainer_made_on_a_device_keeps_its_parameters_there()
    {
        using var device = Device.Use(_gpu);
        var trainer = TestRuns.Toy(new TrainConfig { Variant = "wgan-gp", Dim = 4, BatchSize = 4, Iters = 1 });
        Assert.All(trainer.Players.All.SelectMany(p => p.Network.Parameters()), p => Assert.Same(_gpu, p.Backend));
    }

    [Fact]
    public void Device_memory_stays_flat_over_training_steps_and_the_pool_can_be_emptied()
    {
        using var backend = IlgpuBackend.OpenCpuEmulator();
        using var device = Device.Use(backend);
        var trainer = TestRuns.Toy(new TrainConfig { Variant = "wgan-gp", Dim = 8, BatchSize = 8, CriticIters = 1, Seed = 3, Iters = 100 }.WithOption(WganGp.Lambda, 10f));
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
