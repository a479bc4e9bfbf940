using GanFromScratch.Kernels;
using GanFromScratch.Engine;
using GanFromScratch.Engine.Distributed;

namespace GanFromScratch.Nn;

/// <summary>
/// What <see cref="Conv1d"/>, <see cref="Conv2d"/> and <see cref="ConvTranspose2d"/> share, as
/// PyTorch's <c>_ConvNd</c>: the sizes, a weight of the layer's layout, a bias per output channel,
/// and PyTorch's default initialisation U(−1/√fan_in, 1/√fan_in) for both, with fan_in taken as
/// PyTorch takes it — the weight's second extent times the kernel's size (in·k·k for a
/// convolution, in·k for a 1-D one; out·k·k for a transposed one, whose weight is [in, out, k, k]),
/// so that the same seed gives the same scale.
/// </summary>
public abstract class ConvolutionLayer : Module, IWeightedLayer
{
    protected ConvolutionLayer(string layer, int inChannels, int outChannels, int kernelSize, int stride, int padding,
        int[] weightShape, RandomStream random, bool bias)
    {
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || padding < 0)
            throw new ArgumentException(
                $"{layer} needs positive channels, kernel and stride and a non-negative padding; got in={inChannels}, out={outChannels}, kernel={kernelSize}, stride={stride}, padding={padding}.");
        (InChannels, OutChannels, KernelSize, Stride, Padding) = (inChannels, outChannels, kernelSize, stride, padding);
        float bound = 1f / MathF.Sqrt(weightShape[1..].Aggregate(1, (a, b) => a * b));
        Weight = RegisterParameter("weight", Tensor.Rand(weightShape, random, -bound, bound));
        if (bias) Bias = RegisterParameter("bias", Tensor.Rand([outChannels], random, -bound, bound));
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    /// <summary>The spectral normalization of the weight, if switched on (<see cref="WithSpectralNorm"/>).</summary>
    public SpectralNorm? SpectralNorm { get; private set; }

    /// <summary>The dimension of the weight that holds the output channels (0; 1 for a transposed convolution).</summary>
    protected virtual int OutputAxis => 0;

    /// <summary>Computes with W/σ̂(W) from now on (<see cref="Nn.SpectralNorm"/>); returns this.</summary>
    public ConvolutionLayer WithSpectralNorm(RandomStream random, int powerIterations = 1)
    {
        SpectralNorm ??= Nn.SpectralNorm.Attach(this, Weight, OutputAxis, random, powerIterations);
        return this;
    }

    IWeightedLayer IWeightedLayer.WithSpectralNorm(RandomStream random, int powerIterations) => WithSpectralNorm(random, powerIterations);

    /// <summary>The weight the layer computes with: W, or W/σ̂(W) under spectral normalization.</summary>
    protected Tensor EffectiveWeight => SpectralNorm?.Apply(Weight, Training) ?? Weight;
}

/// <summary>2-D convolution as PyTorch's <c>nn.Conv2d</c>: weight [out, in, k, k], bias [out].</summary>
public sealed class Conv2d(int inChannels, int outChannels, int kernelSize, RandomStream random, int stride = 1, int padding = 0, bool bias = true)
    : ConvolutionLayer("Conv2d", inChannels, outChannels, kernelSize, stride, padding,
        [outChannels, inChannels, kernelSize, kernelSize], random, bias), IFusesActivation
{
    public override Tensor Forward(Tensor x) => Forward(x, GemmActivation.None);

    /// <summary>act(conv(x) + b), the bias and the activation applied by the convolution's GEMM.</summary>
    public Tensor Forward(Tensor x, GemmActivation activation, float slope = 0f) =>
        Tensor.Conv2d(x, EffectiveWeight, Bias, Stride, Padding, activation, slope);
}

/// <summary>
/// 1-D convolution as PyTorch's <c>nn.Conv1d</c> (stride 1): weight [out, in, k], bias [out], on
/// sequences [batch, channels, length]; padding (k − 1)/2 keeps the length.
/// </summary>
public sealed class Conv1d(int inChannels, int outChannels, int kernelSize, RandomStream random, int padding = 0, bool bias = true)
    : ConvolutionLayer("Conv1d", inChannels, outChannels, kernelSize, 1, padding, [outChannels, inChannels, kernelSize], random, bias)
{
    public override Tensor Forward(Tensor x) => Tensor.Conv1d(x, EffectiveWeight, Bias, Padding);
}

/// <summary>2-D transposed convolution as PyTorch's <c>nn.ConvTranspose2d</c>: weight [in, out, k, k], bias [out].</summary>
public sealed class ConvTranspose2d(int inChannels, int outChannels, int kernelSize, RandomStream random, int stride = 1, int padding = 0,
    int outputPadding = 0, bool bias = true)
    : ConvolutionLayer("ConvTranspose2d", inChannels, outChannels, kernelSize, stride, padding,
        [inChannels, outChannels, kernelSize, kernelSize], random, bias)
{
    public int OutputPadding { get; } = outputPadding;

    protected override int OutputAxis => 1;

    public override Tensor Forward(Tensor x) => Tensor.ConvTranspose2d(x, EffectiveWeight, Bias, Stride, Padding, OutputPadding);
}

/// <summary>
/// Batch normalization over the channels (axis 1) of [N, C] or [N, C, H, W], as PyTorch's
/// <c>BatchNorm1d</c>/<c>BatchNorm2d</c>: in training it normalizes with the batch's statistics
/// and folds them into running ones (running = (1 − momentum)·running + momentum·batch, the
/// variance unbiased); in evaluation it uses the running statistics. weight starts at 1, bias at 0.
/// A batch norm couples the samples of a batch, which is why a gradient penalty critic must not have one.
/// </summary>
public sealed class BatchNorm : Module, IRunningStatistics
{
    public BatchNorm(int channels, float eps = 1e-5f, float momentum = 0.1f)
    {
        if (channels < 1) throw new ArgumentException($"BatchNorm needs at least one channel, got {channels}.");
        (Channels, Eps, Momentum) = (channels, eps, momentum);
        Weight = RegisterParameter("weight", Tensor.Ones(channels));
        Bias = RegisterParameter("bias", Tensor.Zeros(channels));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(channels));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones(channels));
    }

    public int Channels { get; }
    public float Eps { get; }
    public float Momentum { get; private set; }

    float IRunningStatistics.Momentum { get => Momentum; set => Momentum = value; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }

    /// <summary>The ranks whose rows the batch statistics are taken over in training (synchronized batch norm), or null: this process's rows.</summary>
    public ICollective? Ranks { get; set; }

    public override Tensor Forward(Tensor x) => Normalize(x, Weight, Bias, RunningMean, RunningVar, Eps, Momentum, Training, "BatchNorm", Ranks);

    /// <summary>
    /// Batch norm of x over its channels (axis 1): in <paramref name="training"/> mode with the
    /// batch's statistics, which update the running ones (the variance unbiased, as PyTorch); in
    /// evaluation mode with the running ones. <paramref name="weight"/> and <paramref name="bias"/> may be null (no affine part).
    /// </summary>
    /// <param name="ranks">With more than one rank, the statistics are those of every rank's rows (<see cref="Synchronized"/>).</param>
    internal static Tensor Normalize(Tensor x, Tensor? weight, Tensor? bias, Tensor runningMean, Tensor runningVar, float eps, float momentum,
        bool training, string layer, ICollective? ranks = null)
    {
        int channels = runningMean.Size;
        if (x.Rank < 2 || x.Shape[1] != channels)
            throw new ArgumentException($"{layer}({channels}) expects [batch, {channels}, …], got {Shapes.Format(x.Shape)}.");
        if (!training) return Tensor.BatchNormWithStatistics(x, runningMean, runningVar, weight, bias, eps);
        Tensor y, mean, variance;
        int count = x.Size / channels;
        if (ranks is { Size: > 1 })
        {
            (y, mean, variance) = Synchronized(x, weight, bias, eps, ranks);
            count *= ranks.Size;
        }
        else
            y = Tensor.BatchNorm(x, weight, bias, eps, out mean, out variance);
        if (count < 2)
            throw new ArgumentException($"{layer} in training needs more than one value per channel, got input {Shapes.Format(x.Shape)}.");
        using (Autograd.NoGrad())
        {
            runningMean.CopyFrom(runningMean * (1f - momentum) + mean.Detach() * momentum);
            runningVar.CopyFrom(runningVar * (1f - momentum) + variance.Detach() * (momentum * count / (count - 1f)));
        }
        return y;
    }

    /// <summary>
    /// Synchronized batch norm (PyTorch's SyncBatchNorm): the mean and the biased variance of each
    /// channel over the rows of every rank — from the sums of x and x² per channel, all-reduced in
    /// one call — so that N ranks of B/N rows normalize as one process of B rows does. Made of
    /// differentiable ops and <see cref="Tensor.AllreduceSum"/>, so its backward (and the ranks'
    /// exchange in it) follows by itself.
    /// </summary>
    private static (Tensor Y, Tensor Mean, Tensor Variance) Synchronized(Tensor x, Tensor? weight, Tensor? bias, float eps, ICollective ranks)
    {
        int channels = x.Shape[1];
        int[] axes = [0, .. Enumerable.Range(2, x.Rank - 2)];
        int[] perChannel = [1, channels, .. Enumerable.Repeat(1, x.Rank - 2)];
        float total = (float)x.Size / channels * ranks.Size;
        var sums = Tensor.Concat([x.Sum(axes), x.Square().Sum(axes)]).AllreduceSum(ranks) * (1f / total);
        var mean = sums.Narrow(0, 0, channels);
        var variance = sums.Narrow(0, channels, channels) - mean.Square();
        var y = (x - mean.Reshape(perChannel)) / (variance + eps).Sqrt().Reshape(perChannel);
        if (weight is not null) y = y * weight.Reshape(perChannel);
        if (bias is not null) y = y + bias.Reshape(perChannel);
        return (y, mean, variance);
    }
}

/// <summary>Layer normalization over the trailing shape given (for images [C, H, W]), with an elementwise weight (1) and bias (0) of that shape.</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int[] normalizedShape, float eps = 1e-5f)
    {
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d < 1))
            throw new ArgumentException($"LayerNorm needs a non-empty shape of positive extents, got {Shapes.Format(normalizedShape)}.");
        (NormalizedShape, Eps) = (normalizedShape, eps);
        Weight = RegisterParameter("weight", Tensor.Ones(normalizedShape));
        Bias = RegisterParameter("bias", Tensor.Zeros(normalizedShape));
    }

    public int[] NormalizedShape { get; }
    public float Eps { get; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }

    public override Tensor Forward(Tensor x) => Tensor.LayerNorm(x, NormalizedShape.Length, Weight, Bias, Eps);
}

/// <summary>[N, …] → [N, ∏…].</summary>
public sealed class Flatten : Module
{
    public override Tensor Forward(Tensor x) => x.Flatten(1);
}

/// <summary>[N, ∏shape] → [N, shape…] (PyTorch's <c>nn.Unflatten(1, shape)</c>).</summary>
public sealed class Unflatten(params int[] shape) : Module
{
    public int[] Shape { get; } = shape;
    public override Tensor Forward(Tensor x) => x.Reshape([x.Shape[0], .. Shape]);
}

/// <summary>Keeps the top-left <c>size×size</c> of images (gan_mnist.py's generator crops 8×8 to 7×7).</summary>
public sealed class Crop(int size) : Module
{
    public int Size { get; } = size;
    public override Tensor Forward(Tensor x) => x.Narrow(2, 0, Size).Narrow(3, 0, Size);
}

/// <summary>Nearest-neighbour upsampling by an integer factor.</summary>
public sealed class UpsampleNearest(int factor = 2) : Module
{
    public int Factor { get; } = factor;
    public override Tensor Forward(Tensor x) => x.UpsampleNearest(Factor);
}

/// <summary>Average pooling over factor×factor blocks.</summary>
public sealed class AvgPool(int factor = 2) : Module
{
    public int Factor { get; } = factor;
    public override Tensor Forward(Tensor x) => x.AvgPool(Factor);
}

/// <summary>Max pooling over factor×factor blocks.</summary>
public sealed class MaxPool(int factor = 2) : Module
{
    public int Factor { get; } = factor;
    public override Tensor Forward(Tensor x) => x.MaxPool(Factor);
}

/// <summary>
/// A module that draws random numbers while it trains (dropout, Gaussian noise): a checkpoint
/// saves the position of its stream, so that a resumed run draws what the uninterrupted one would.
/// </summary>
public interface IStochastic
{
    RandomStream Random { get; }
}

/// <summary>Dropout in training (masks from <paramref name="random"/>'s stream), the identity in evaluation.</summary>
public sealed class Dropout(float p, RandomStream random) : Module, IStochastic
{
    public float P { get; } = p;
    public RandomStream Random => random;
    public override Tensor Forward(Tensor x) => Training ? x.Dropout(P, random) : x;
}

/// <summary>
/// x + σ·ε with ε ~ N(0, 1) drawn from <paramref name="random"/>'s stream in training, the identity
/// in evaluation: the noise layers of Salimans et al.'s semi-supervised critic.
/// </summary>
public sealed class GaussianNoise(float sigma, RandomStream random) : Module, IStochastic
{
    public float Sigma { get; } = sigma >= 0 && float.IsFinite(sigma) ? sigma : throw new ArgumentException($"GaussianNoise needs σ ≥ 0, got {sigma}.");
    public RandomStream Random => random;
    public override Tensor Forward(Tensor x) => Training && Sigma > 0 ? x + Tensor.Randn(x.Shape, random, 0f, Sigma, x.Backend) : x;
}
