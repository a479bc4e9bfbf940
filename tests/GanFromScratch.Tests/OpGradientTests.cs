using GanFromScratch.Engine;
using GanFromScratch.Kernels;

namespace GanFromScratch.Tests;

/// <summary>gradcheck and gradgradcheck for every differentiable operation.</summary>
public class OpGradientTests
{
    /// <summary>Random values with |x| in [0.3, 1.2] and random signs: away from every kink (0) of relu, abs, clamp.</summary>
    internal static Tensor Input(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(0.3 + 0.9 * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1);
        return Tensor.FromArray(data, shape);
    }

    /// <summary>Positive values in [0.5, 1.5], for log, sqrt, pow and division.</summary>
    internal static Tensor Positive(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[Shapes.Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(0.5 + rng.NextDouble());
        return Tensor.FromArray(data, shape);
    }

    public static TheoryData<string> OpNames => new(Cases.Keys);

    /// <summary>Every case: a function of the inputs and the inputs. Binary ops include a broadcast.</summary>
    private static readonly Dictionary<string, (Func<Tensor[], Tensor> F, Func<Tensor[]> Inputs)> Cases = new()
    {
        ["add"] = (x => x[0] + x[1], () => [Input(1, 2, 3), Input(2, 3)]),
        ["sub"] = (x => x[0] - x[1], () => [Input(1, 2, 3), Input(2, 2, 1)]),
        ["mul"] = (x => x[0] * x[1], () => [Input(1, 2, 3), Input(2, 1, 3)]),
        ["div"] = (x => x[0] / x[1], () => [Input(1, 2, 3), Positive(2, 3)]),
        ["neg"] = (x => -x[0], () => [Input(1, 2, 3)]),
        ["affine"] = (x => 2.5f * x[0] - 1f, () => [Input(1, 2, 3)]),
        ["exp"] = (x => x[0].Exp(), () => [Input(1, 2, 3)]),
        ["log"] = (x => x[0].Log(), () => [Positive(1, 2, 3)]),
        ["sqrt"] = (x => x[0].Sqrt(), () => [Positive(1, 2, 3)]),
        ["pow"] = (x => x[0].Pow(2.5f), () => [Positive(1, 2, 3)]),
        ["pow_negative"] = (x => x[0].Pow(-1.5f), () => [Positive(1, 2, 3)]),
        ["abs"] = (x => x[0].Abs() * x[0], () => [Input(1, 2, 3)]),
        ["square"] = (x => x[0].Square(), () => [Input(1, 2, 3)]),
        ["relu"] = (x => x[0].Relu() * x[0], () => [Input(1, 2, 3)]),
        ["leaky_relu"] = (x => x[0].LeakyRelu(0.2f) * x[0], () => [Input(1, 2, 3)]),
        ["tanh"] = (x => x[0].Tanh(), () => [Input(1, 2, 3)]),
        ["sigmoid"] = (x => x[0].Sigmoid(), () => [Input(1, 2, 3)]),
        ["softplus"] = (x => x[0].Softplus(), () => [Input(1, 2, 3)]),
        ["clamp"] = (x => x[0].Clamp(-0.7f, 0.8f) * x[0], () => [Input(1, 3, 4)]),
        ["where"] = (x => Tensor.Where(Tensor.FromArray([1, 0, 1], 3), x[0], x[1]) * x[0], () => [Input(1, 2, 3), Input(2, 2, 1)]),
        ["matmul"] = (x => Tensor.MatMul(x[0], x[1]), () => [Input(1, 3, 4), Input(2, 4, 2)]),
        ["matmul_batched"] = (x => Tensor.MatMul(x[0], x[1]), () => [Input(1, 2, 3, 4), Input(2, 2, 4, 2)]),
        ["matmul_batch_by_matrix"] = (x => Tensor.MatMul(x[0], x[1]), () => [Input(1, 2, 3, 4), Input(2, 4, 2)]),
        // The fused layer act(x·Wᵀ + b), squared so that its second derivative is not zero.
        ["linear"] = (x => Tensor.Linear(x[0], x[1], x[2]).Square(), () => [Input(1, 3, 4), Input(2, 2, 4), Input(3, 2)]),
        ["linear_relu"] = (x => Tensor.Linear(x[0], x[1], x[2], GemmActivation.Relu).Square(), () => [Input(1, 3, 4), Input(2, 5, 4), Input(3, 5)]),
        ["linear_leaky_relu"] = (x => Tensor.Linear(x[0], x[1], x[2], GemmActivation.LeakyRelu, 0.2f).Square(),
            () => [Input(1, 3, 4), Input(2, 5, 4), Input(3, 5)]),
        ["linear_relu_no_bias"] = (x => Tensor.Linear(x[0], x[1], null, GemmActivation.Relu).Square(), () => [Input(1, 3, 4), Input(2, 5, 4)]),
        ["matmul_bias_rows_leaky_relu"] = (x => Tensor.MatMulT(x[0], x[1], true, false, x[2], GemmBias.PerRow, GemmActivation.LeakyRelu, 0.1f).Square(),
            () => [Input(1, 4, 3), Input(2, 4, 5), Input(3, 3)]),
        ["matmul_batched_bias_relu"] = (x => Tensor.MatMulT(x[0], x[1], false, true, x[2], GemmBias.PerColumn, GemmActivation.Relu).Square(),
            () => [Input(1, 2, 3, 4), Input(2, 2, 5, 4), Input(3, 5)]),
        ["matmul_ta"] = (x => Tensor.MatMulT(x[0], x[1], true, false), () => [Input(1, 4, 3), Input(2, 4, 2)]),
        ["matmul_tb"] = (x => Tensor.MatMulT(x[0], x[1], false, true), () => [Input(1, 3, 4), Input(2, 2, 4)]),
        ["matmul_tatb"] = (x => Tensor.MatMulT(x[0], x[1], true, true), () => [Input(1, 4, 3), Input(2, 2, 4)]),
        ["matmul_squared"] = (x => Tensor.MatMul(x[0], x[1]).Square(), () => [Input(1, 3, 4), Input(2, 4, 2)]),
        ["transpose"] = (x => x[0].Transpose(0, 2) * x[1], () => [Input(1, 2, 3, 4), Input(2, 4, 3, 2)]),
        ["reshape"] = (x => x[0].Reshape(3, -1).Square(), () => [Input(1, 2, 3, 2)]),
        ["expand"] = (x => x[0].Expand(2, 3, 4).Square(), () => [Input(1, 3, 1)]),
        ["sum"] = (x => x[0].Sum([0, 2], keepDim: false).Square(), () => [Input(1, 2, 3, 4)]),
        ["sum_keepdim"] = (x => x[0].Sum(1, keepDim: true) * x[0], () => [Input(1, 2, 3, 4)]),
        ["mean"] = (x => x[0].Mean(1).Square(), () => [Input(1, 3, 4)]),
        ["max"] = (x => x[0].Max(1, keepDim: true) * x[0], () => [Input(1, 3, 4)]),
        ["max_all"] = (x => x[0].Max().Square(), () => [Input(1, 3, 4)]),
        ["concat"] = (x => Tensor.Concat([x[0], x[1]], 1).Square(), () => [Input(1, 2, 3), Input(2, 2, 2)]),
        ["narrow"] = (x => x[0].Narrow(1, 1, 2).Square(), () => [Input(1, 3, 4)]),
        ["pad"] = (x => x[0].Pad(0, 1, 2).Square(), () => [Input(1, 2, 3)]),
        ["norm"] = (x => x[0].Norm([1]), () => [Input(1, 3, 4)]),
        ["norm_all_keepdim"] = (x => x[0].Norm(null, keepDim: true) * x[0], () => [Input(1, 2, 3)]),
        ["softmax"] = (x => x[0].Softmax(1), () => [Input(1, 3, 4)]),
        ["log_softmax"] = (x => x[0].LogSoftmax(-1), () => [Input(1, 3, 4)]),
        ["logsumexp"] = (x => x[0].LogSumExp(1), () => [Input(1, 3, 4)]),
        ["logsumexp_keepdim"] = (x => x[0].LogSumExp(0, keepDim: true) * x[0], () => [Input(1, 3, 4)]),
        // Weight normalization's layer x·(g ⊙ v/‖v‖)ᵀ + b, squared so that its second derivative in x is not zero.
        ["weight_norm_linear"] = (x => Nn.WeightNormLinear.Compute(x[0], x[1], x[2], x[3]).Square(),
            () => [Input(1, 3, 4), Input(2, 2, 4), Positive(3, 2, 1), Input(4, 2)]),
        // The semi-supervised GAN's losses: the unlabelled real/fake terms from K-class logits, and feature matching.
        ["ssgan_unsupervised"] = (x => Gan.Ssgan.UnsupervisedLoss(x[0], x[1]).Reshape(1), () => [Input(1, 3, 4), Input(2, 2, 4)]),
        ["ssgan_feature_matching"] = (x => Gan.Ssgan.FeatureMatching(x[0], x[1]).Reshape(1), () => [Input(1, 3, 4), Input(2, 2, 4)]),
        // The margin 0.1·‖x − x̃‖₁ is a constant; its inputs are fixed, the critic's outputs vary.
        ["loss_sensitive_critic"] = (x => Gan.LossSensitive.CriticObjective(Gan.LossSensitive.Loss(x[0], "softplus"), Gan.LossSensitive.Loss(x[1], "softplus"),
            Gan.LossSensitive.Margin(Tensor.FromArray([0.5f, -1.2f, 1.1f, 0.4f, -0.2f, 0.9f], 3, 2), Tensor.FromArray([0.1f, -0.9f, 0.2f, 0.6f, -1f, 0.4f], 3, 2), 0.1f),
            0.3f).Objective.Reshape(1), () => [Input(1, 3, 1), Input(2, 3, 1)]),
        ["orthogonal_regularization"] = (x => Gan.OrthogonalRegularization.Penalty(x[0], 0.3f).Reshape(1), () => [Input(1, 3, 4)]),
        ["orthogonal_regularization_tall"] = (x => Gan.OrthogonalRegularization.Penalty(x[0], 0.3f).Reshape(1), () => [Input(1, 7, 3)]),
        ["conditional_batch_norm"] = (x => Nn.ConditionalBatchNorm.Compute(x[0], x[1], x[2], x[3], x[4], x[5]) * x[0],
            () => [Input(1, 4, 2, 2, 1), Input(2, 4, 3), Input(3, 2, 3), Input(4, 2), Input(5, 2, 3), Input(6, 2)]),
        ["projection_head"] = (x => Nn.ProjectionHead.Compute(x[0], Tensor.FromArray([1, 0, 2], 3), x[1], x[2], x[3]).Square(),
            () => [Input(1, 3, 4), Input(2, 1, 4), Input(3, 1), Input(4, 3, 4)]),
        ["permute"] = (x => x[0].Permute(2, 0, 1) * x[1], () => [Input(1, 2, 3, 4), Input(2, 4, 2, 3)]),
        ["im2col"] = (x => x[0].Im2Col(3, 2, stride: 2, padding: 1).Square(), () => [Input(1, 2, 2, 5, 4)]),
        ["col2im"] = (x => x[0].Col2Im(2, 1, 4, 5, 3, 2, stride: 2, padding: 1).Square(), () => [Input(1, 6, 12)]),
        ["conv2d"] = (x => Tensor.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1), () => [Input(1, 2, 2, 5, 5), Input(2, 3, 2, 3, 3), Input(3, 3)]),
        ["conv2d_bias_leaky_fused"] = (x => Tensor.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1, GemmActivation.LeakyRelu, 0.2f).Square(),
            () => [Input(1, 2, 2, 5, 4), Input(2, 3, 2, 2, 3), Input(3, 3)]),
        ["conv2d_leaky"] = (x => Tensor.Conv2d(x[0], x[1], null, stride: 1, padding: 0).LeakyRelu(0.2f), () => [Input(1, 2, 2, 4, 5), Input(2, 2, 2, 2, 3)]),
        ["conv2d_bias_relu_fused"] = (x => Tensor.Conv2d(x[0], x[1], x[2], stride: 1, padding: 1, GemmActivation.Relu).Square(),
            () => [Input(1, 2, 2, 4, 4), Input(2, 3, 2, 3, 3), Input(3, 3)]),
        ["conv1d_k5"] = (x => Tensor.Conv1d(x[0], x[1], x[2], padding: 2), () => [Input(1, 2, 2, 6), Input(2, 3, 2, 5), Input(3, 3)]),
        ["conv1d_k1_square"] = (x => Tensor.Conv1d(x[0], x[1], null).Square(), () => [Input(1, 2, 3, 4), Input(2, 2, 3, 1)]),
        ["conv1d_k3_unpadded"] = (x => Tensor.Conv1d(x[0], x[1], x[2]).Square(), () => [Input(1, 1, 2, 5), Input(2, 2, 2, 3), Input(3, 2)]),
        ["conv_transpose2d"] = (x => Tensor.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1, outputPadding: 1),
            () => [Input(1, 2, 3, 3, 2), Input(2, 3, 2, 3, 3), Input(3, 2)]),
        ["conv_transpose2d_square"] = (x => Tensor.ConvTranspose2d(x[0], x[1], null, stride: 1).Square(), () => [Input(1, 1, 2, 3, 3), Input(2, 2, 2, 2, 2)]),
        ["batch_norm2d"] = (x => Tensor.BatchNorm(x[0], x[1], x[2], 1e-5f, out _, out _), () => [Input(1, 3, 2, 2, 2), Input(2, 2), Input(3, 2)]),
        ["batch_norm1d"] = (x => Tensor.BatchNorm(x[0], x[1], null, 1e-5f, out _, out _), () => [Input(1, 4, 3), Input(2, 3)]),
        ["batch_norm_statistics"] = (x => Tensor.BatchNormWithStatistics(x[0], x[1], x[2], null, null, 1e-5f),
            () => [Input(1, 2, 3, 2, 2), Input(2, 3), Positive(3, 3)]),
        ["layer_norm"] = (x => Tensor.LayerNorm(x[0], 3, x[1], x[2]), () => [Input(1, 2, 2, 2, 3), Input(2, 2, 2, 3), Input(3, 2, 2, 3)]),
        ["upsample_nearest"] = (x => x[0].UpsampleNearest(2).Square(), () => [Input(1, 1, 2, 2, 3)]),
        ["avg_pool"] = (x => x[0].AvgPool(2).Square(), () => [Input(1, 1, 2, 5, 4)]),
        ["max_pool"] = (x => x[0].MaxPool(2).Square(), () => [Input(1, 1, 2, 5, 4)]),
        ["dropout"] = (x => x[0].Dropout(0.4f, new RandomStream(5)).Square(), () => [Input(1, 3, 5)]),
        ["cross_entropy"] = (x => Tensor.CrossEntropy(x[0], [2, 0, 3]), () => [Input(1, 3, 4)]),
        ["cross_entropy_labels"] = (x => Tensor.CrossEntropy(x[0], Tensor.FromArray([2, 0, 3], 3)), () => [Input(1, 3, 4)]),
        // An embedding's lookup, rows repeated and one row never picked; and its adjoint.
        ["index_select"] = (x => Tensor.IndexSelect(x[0], Tensor.FromArray([2, 0, 2, 3], 4)).Square(), () => [Input(1, 5, 3)]),
        ["index_select_images"] = (x => Tensor.IndexSelect(x[0], Tensor.FromArray([1, 1, 0], 3)) * x[1], () => [Input(1, 2, 1, 2, 2), Input(2, 3, 1, 2, 2)]),
        ["scatter_add"] = (x => Tensor.ScatterAdd(x[0], Tensor.FromArray([2, 0, 2, 1], 4), 4).Square(), () => [Input(1, 4, 3)]),
        ["concat_channels"] = (x => Tensor.Concat([x[0], x[1]], 1).Square(), () => [Input(1, 2, 1, 2, 3), Input(2, 2, 2, 2, 3)]),
    };

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Gradcheck(string op)
    {
        var (f, inputs) = Cases[op];
        GradCheck.Check(f, inputs());
    }

    [Theory]
    [MemberData(nameof(OpNames))]
    public void Gradgradcheck(string op)
    {
        var (f, inputs) = Cases[op];
        GradCheck.CheckSecondOrder(f, inputs());
    }

    [Fact]
    public void Norm_gradient_at_zero_is_finite_and_zero()
    {
        var x = Tensor.Zeros(2, 3).RequiresGrad_();
        var g = Autograd.Grad(x.Norm([1]).Sum(), x);
        Assert.All(g.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Third_derivative_of_tanh_matches_the_formula()
    {
        // d³/dx³ tanh x = −2(1 − t²)(1 − 3t²), t = tanh x: nested Grad three times.
        var x = Tensor.FromArray([0.3f, -0.8f, 1.1f], 3).RequiresGrad_();
        var d1 = Autograd.Grad(x.Tanh().Sum(), x, createGraph: true);
        var d2 = Autograd.Grad(d1.Sum(), x, createGraph: true);
        var d3 = Autograd.Grad(d2.Sum(), x).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < 3; i++)
        {
            double t = Math.Tanh(xs[i]);
            Assert.Equal(-2 * (1 - t * t) * (1 - 3 * t * t), d3[i], 4);
        }
    }
}
