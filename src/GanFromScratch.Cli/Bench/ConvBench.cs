using System.Diagnostics;
using GanFromScratch.Engine;

namespace GanFromScratch.Cli.Bench;

/// <summary>How a timed layer convolves.</summary>
internal enum ConvKind
{
    Conv2d,
    Transposed,
    /// <summary>1-D, as a 2-D convolution of height 1 (<see cref="Tensor.Conv1d"/>).</summary>
    Conv1d,
    /// <summary>1-D, written as shifted copies and a product (<see cref="Tensor.Conv1dByShifts"/>).</summary>
    Conv1dShifts,
}

/// <summary>One convolution layer to time, with its input and weight shapes.</summary>
internal sealed record ConvCase(string Name, ConvKind Kind, int[] Input, int[] Weight, int Stride, int Padding, int OutputPadding = 0)
{
    /// <summary>The six layers of gan_mnist.py at DIM 64, batch 50: the critic's three convolutions and the generator's three transposed ones.</summary>
    public static ConvCase[] GanMnist(int batch = 50, int dim = 64) =>
    [
        new("critic.conv1", ConvKind.Conv2d, [batch, 1, 28, 28], [dim, 1, 5, 5], 2, 2),
        new("critic.conv2", ConvKind.Conv2d, [batch, dim, 14, 14], [2 * dim, dim, 5, 5], 2, 2),
        new("critic.conv3", ConvKind.Conv2d, [batch, 2 * dim, 7, 7], [4 * dim, 2 * dim, 5, 5], 2, 2),
        new("generator.deconv1", ConvKind.Transposed, [batch, 4 * dim, 4, 4], [4 * dim, 2 * dim, 5, 5], 2, 2, 1),
        new("generator.deconv2", ConvKind.Transposed, [batch, 2 * dim, 7, 7], [2 * dim, dim, 5, 5], 2, 2, 1),
        new("generator.deconv3", ConvKind.Transposed, [batch, dim, 14, 14], [dim, 1, 5, 5], 2, 2, 1),
    ];

    /// <summary>
    /// The text model's convolutions (gan_language.py, batch 64, 32 positions, a vocabulary of 103 as
    /// the fortunes'): a residual block's kernel-5 convolution, the critic's input and the
    /// generator's output (kernel 1), each as a convolution of height 1 and as shifted copies.
    /// </summary>
    public static ConvCase[] Text(int batch = 64, int dim = 64, int vocabulary = 103) =>
    [
        .. new (string Name, int[] Input, int[] Weight, int Padding)[]
        {
            ("block.conv k5", [batch, dim, 32], [dim, dim, 5], 2),
            ("critic.input k1", [batch, vocabulary, 32], [dim, vocabulary, 1], 0),
            ("generator.output k1", [batch, dim, 32], [vocabulary, dim, 1], 0),
        }.SelectMany(c => new ConvCase[]
        {
            new(c.Name + " (height 1)", ConvKind.Conv1d, c.Input, c.Weight, 1, c.Padding),
            new(c.Name + " (shifts)", ConvKind.Conv1dShifts, c.Input, c.Weight, 1, c.Padding),
        }),
    ];

    public Tensor Apply(Tensor x, Tensor w) => Kind switch
    {
        ConvKind.Transposed => Tensor.ConvTranspose2d(x, w, null, Stride, Padding, OutputPadding),
        ConvKind.Conv1d => Tensor.Conv1d(x, w, null, Padding),
        ConvKind.Conv1dShifts => Tensor.Conv1dByShifts(x, w, null, Padding),
        _ => Tensor.Conv2d(x, w, null, Stride, Padding),
    };
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
