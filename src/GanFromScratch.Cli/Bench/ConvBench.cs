using System.Diagnostics;
using GanFromScratch.Engine;

namespace GanFromScratch.Cli.Bench;

/// <summary>One convolution layer to time: a convolution or a transposed one, with its input and weight shapes.</summary>
internal sealed record ConvCase(string Name, bool Transposed, int[] Input, int[] Weight, int Stride, int Padding, int OutputPadding = 0)
{
    /// <summary>The six layers of gan_mnist.py at DIM 64, batch 50: the critic's three convolutions and the generator's three transposed ones.</summary>
    public static ConvCase[] GanMnist(int batch = 50, int dim = 64) =>
    [
        new("critic.conv1", false, [batch, 1, 28, 28], [dim, 1, 5, 5], 2, 2),
        new("critic.conv2", false, [batch, dim, 14, 14], [2 * dim, dim, 5, 5], 2, 2),
        new("critic.conv3", false, [batch, 2 * dim, 7, 7], [4 * dim, 2 * dim, 5, 5], 2, 2),
        new("generator.deconv1", true, [batch, 4 * dim, 4, 4], [4 * dim, 2 * dim, 5, 5], 2, 2, 1),
        new("generator.deconv2", true, [batch, 2 * dim, 7, 7], [2 * dim, dim, 5, 5], 2, 2, 1),
        new("generator.deconv3", true, [batch, dim, 14, 14], [dim, 1, 5, 5], 2, 2, 1),
    ];

    public Tensor Apply(Tensor x, Tensor w) => Transposed
        ? Tensor.ConvTranspose2d(x, w, null, Stride, Padding, OutputPadding)
        : Tensor.Conv2d(x, w, null, Stride, Padding);
}

/// <summary>
/// Times a convolution layer's forward pass, and forward plus backward (the gradients of the
/// input and the weight, as a training step forms them), as medians over several calls.
/// </summary>
internal static class ConvBench
{
    public static (double ForwardMs, double BackwardMs) Run(ConvCase c, int iters, int warmup)
    {
        var gen = new RandomStream(1);
        var x = Tensor.Randn(c.Input, gen).RequiresGrad_();
        var w = (Tensor.Randn(c.Weight, gen) * 0.05f).Detach().RequiresGrad_();
        double Time(Action body)
        {
            for (int i = 0; i < warmup; i++) body();
            var times = new double[iters];
            for (int i = 0; i < iters; i++)
            {
                long start = Stopwatch.GetTimestamp();
                body();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            return GemmBench.Median([.. times]);
        }
        double forward = Time(() =>
        {
            using var scope = TensorScope.Begin();
            using var _ = Autograd.NoGrad();
            c.Apply(x, w).Backend.Synchronize();
        });
        double backward = Time(() =>
        {
            using var scope = TensorScope.Begin();
            var grads = Autograd.Grad([c.Apply(x, w).Sum()], [x, w]);
            grads[1]!.Backend.Synchronize();
        });
        return (forward, backward);
    }
}
