using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;

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
}
