using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>
/// Batch norm, layer norm, resampling and dropout, composed of differentiable ops: their
/// derivatives of every order follow from the ops' own rules. A normalization subtracts the
/// mean and divides by the standard deviation over some axes, then scales and shifts.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// (x − mean) / √(var + ε) over <paramref name="axes"/>, with the biased variance (as PyTorch
    /// normalizes). Also gives the mean and variance (kept axes of extent 1), which batch norm
    /// folds into its running statistics.
    /// </summary>
    public static Tensor Standardize(Tensor x, int[] axes, float eps, out Tensor mean, out Tensor variance)
    {
        mean = x.Mean(axes, keepDim: true);
        var centered = x - mean;
        variance = centered.Square().Mean(axes, keepDim: true);
        return centered * (variance + eps).Pow(-0.5f);
    }

    /// <summary>
    /// Batch normalization with the statistics of this batch: every channel (axis 1) of
    /// x [N, C], [N, C, L] or [N, C, H, W] is standardized over all other axes, then scaled by
    /// <paramref name="weight"/> [C] and shifted by <paramref name="bias"/> [C].
    /// The batch mean and biased variance [C] come out for the running statistics.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? weight, Tensor? bias, float eps, out Tensor batchMean, out Tensor batchVariance)
    {
        RequireChannels("batch_norm", x);
        var axes = Enumerable.Range(0, x.Rank).Where(a => a != 1).ToArray();
        var y = Standardize(x, axes, eps, out var mean, out var variance);
        batchMean = mean.Reshape(x.Shape[1]);
        batchVariance = variance.Reshape(x.Shape[1]);
        return ScaleShiftChannels("batch_norm", y, weight, bias);
    }

    /// <summary>Batch normalization with given statistics (a network in evaluation mode): (x − mean) / √(var + ε) per channel, then scale and shift.</summary>
    public static Tensor BatchNormWithStatistics(Tensor x, Tensor mean, Tensor variance, Tensor? weight, Tensor? bias, float eps)
    {
        RequireChannels("batch_norm", x);
        var shape = ChannelShape(x);
        var y = (x - mean.Reshape(shape)) * (variance.Reshape(shape) + eps).Pow(-0.5f);
        return ScaleShiftChannels("batch_norm", y, weight, bias);
    }

    /// <summary>
    /// Layer normalization over the last <paramref name="normalizedRank"/> axes (for images, C, H
    /// and W: each sample on its own, which keeps a gradient penalty per sample valid), then an
    /// elementwise scale and shift of that trailing shape.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, int normalizedRank, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        if (normalizedRank < 1 || normalizedRank >= x.Rank)
            throw new ArgumentException($"layer_norm: cannot normalize the last {normalizedRank} axes of {Shapes.Format(x.Shape)} (one axis must remain for the batch).");
        var axes = Enumerable.Range(x.Rank - normalizedRank, normalizedRank).ToArray();
        var y = Standardize(x, axes, eps, out _, out _);
        var trailing = x.Shape[^normalizedRank..];
        foreach (var (p, name) in new[] { (weight, "weight"), (bias, "bias") })
            if (p is not null && !Shapes.Equal(p.Shape, trailing))
                throw new ArgumentException($"layer_norm: {name} {Shapes.Format(p.Shape)} should be {Shapes.Format(trailing)}.");
        if (weight is not null) y = y * weight;
        if (bias is not null) y = y + bias;
        return y;
    }

    /// <summary>Nearest-neighbour upsampling of images [B, C, H, W] by an integer factor: each pixel becomes a factor×factor block.</summary>
    public Tensor UpsampleNearest(int factor = 2)
    {
        RequireImages("upsample_nearest", this);
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), $"upsample_nearest: factor {factor} must be at least 1.");
        int b = Shape[0], c = Shape[1], h = Shape[2], w = Shape[3];
        // A broadcast over two new axes of extent `factor`; its derivative sums each block.
        return Reshape(b, c, h, 1, w, 1).Expand(b, c, h, factor, w, factor).Reshape(b, c, h * factor, w * factor);
    }

    /// <summary>Average pooling of images [B, C, H, W] over factor×factor blocks (stride = factor; a ragged last row or column is dropped, as PyTorch does).</summary>
    public Tensor AvgPool(int factor = 2)
    {
        var (x, b, c, h, w) = Blocks("avg_pool", factor);
        return x.Reshape(b, c, h, factor, w, factor).Mean([3, 5]);
    }

    /// <summary>Max pooling of images [B, C, H, W] over factor×factor blocks (stride = factor; a ragged edge is dropped). The gradient goes to each block's maximum.</summary>
    public Tensor MaxPool(int factor = 2)
    {
        var (x, b, c, h, w) = Blocks("max_pool", factor);
        return x.Reshape(b, c, h, factor, w, factor).Max([3, 5]);
    }

    /// <summary>This tensor cut to whole factor×factor blocks, and the block grid's extents.</summary>
    private (Tensor X, int B, int C, int H, int W) Blocks(string op, int factor)
    {
        RequireImages(op, this);
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), $"{op}: factor {factor} must be at least 1.");
        int b = Shape[0], c = Shape[1], h = Shape[2] / factor, w = Shape[3] / factor;
        if (h == 0 || w == 0)
            throw new ArgumentException($"{op}: images {Shape[2]}×{Shape[3]} are smaller than the {factor}×{factor} window.");
        var x = this;
        if (x.Shape[2] != h * factor) x = x.Narrow(2, 0, h * factor);
        if (x.Shape[3] != w * factor) x = x.Narrow(3, 0, w * factor);
        return (x, b, c, h, w);
    }

    /// <summary>
    /// Dropout: each element is zeroed with probability <paramref name="p"/> and the rest scaled
    /// by 1 / (1 − p), so the expectation is unchanged. The mask comes from
    /// <paramref name="random"/>'s stream (the same on every backend) and is a constant for the gradient.
    /// </summary>
    public Tensor Dropout(float p, RandomStream random)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"dropout: probability {p} must be in [0, 1).");
        if (p == 0f) return this;
        var uniform = Rand(Shape, random, backend: Backend);
        var keep = Map(UnaryOp.Affine, Map(UnaryOp.GreaterThan, uniform, p), 1f / (1f - p), 0f);
        uniform.Dispose();
        return this * keep;
    }

    private static Tensor ScaleShiftChannels(string op, Tensor y, Tensor? weight, Tensor? bias)
    {
        var shape = ChannelShape(y);
        foreach (var (p, name) in new[] { (weight, "weight"), (bias, "bias") })
            if (p is not null && (p.Rank != 1 || p.Shape[0] != y.Shape[1]))
                throw new ArgumentException($"{op}: {name} {Shapes.Format(p.Shape)} should be [{y.Shape[1]}], one value per channel.");
        if (weight is not null) y = y * weight.Reshape(shape);
        if (bias is not null) y = y + bias.Reshape(shape);
        return y;
    }

    /// <summary>[1, C, 1, …]: a per-channel vector shaped to broadcast against x.</summary>
    private static int[] ChannelShape(Tensor x) => x.Shape.Select((d, i) => i == 1 ? d : 1).ToArray();

    private static void RequireChannels(string op, Tensor x)
    {
        if (x.Rank < 2)
            throw new ArgumentException($"{op}: expected [batch, channels, …] (channels on axis 1), got {Shapes.Format(x.Shape)}.");
    }
}
