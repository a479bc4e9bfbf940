using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Tests;

/// <summary>
/// Convolutions, normalizations and resampling, and the embedding lookup, concatenation along
/// channels and cross-entropy against labels, against PyTorch (Golden/image_ops.json, from
/// tools/golden/image_ops.py, computed in double): outputs, gradients, and second derivatives
/// (the gradient of Σ ∂L/∂xᵢ·uᵢ, what a penalty differentiates), on the CPU and on the ILGPU emulator.
/// </summary>
public class ImageOpGoldenTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private static readonly JsonElement[] Golden =
        GoldenFiles.Cases("image_ops.json");

    private static readonly Dictionary<string, Func<Tensor[], Tensor>> Ops = new()
    {
        ["conv2d_s2_p2"] = x => Tensor.Conv2d(x[0], x[1], x[2], stride: 2, padding: 2),
        ["conv2d_leaky"] = x => Tensor.Conv2d(x[0], x[1]).LeakyRelu(0.2f),
        ["conv_transpose2d_s2_p2_op1"] = x => Tensor.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 2, outputPadding: 1),
        ["conv_transpose2d_k4_s2_p1"] = x => Tensor.ConvTranspose2d(x[0], x[1], stride: 2, padding: 1).Relu(),
        ["batch_norm2d"] = x => Tensor.BatchNorm(x[0], x[1], x[2], 1e-5f, out _, out _),
        ["layer_norm_chw"] = x => Tensor.LayerNorm(x[0], 3, x[1], x[2], 1e-5f),
        ["avg_pool2"] = x => x[0].AvgPool(2).Square(),
        ["upsample_nearest2"] = x => x[0].UpsampleNearest(2).Square(),
        ["embedding"] = x => Tensor.IndexSelect(x[0], Labels(2, 0, 4, 4, 1, 0)).Square(),
        ["concat_channels"] = x => Tensor.Concat([x[0], x[1]], 1).Square(),
        ["cross_entropy_labels"] = x => Tensor.CrossEntropy(x[0], Labels(1, 0, 4, 1)).Reshape(1),
        ["infogan_information"] = x => Gan.InfoGan.InformationLoss(x[0], Labels(3, 0, 1, 3, 2),
            Tensor.FromArray([0.5f, -0.25f, -0.9f, 0.1f, 0.3f, 0.8f, 0f, -0.6f, 0.75f, 0.2f], 5, 2), 4, 1f, 0.7f).Reshape(1),
        ["logsumexp"] = x => x[0].LogSumExp(1),
        ["ssgan_supervised"] = x => Gan.Ssgan.SupervisedLoss(x[0], Labels(3, 0, 1, 3, 2)).Reshape(1),
        ["ssgan_unsupervised"] = x => Gan.Ssgan.UnsupervisedLoss(x[0], x[1]).Reshape(1),
        ["ssgan_feature_matching"] = x => Gan.Ssgan.FeatureMatching(x[0], x[1]).Reshape(1),
        // g = |g| + 0.5 keeps the lengths away from 0, as in the Python case.
        ["loss_sensitive_softplus"] = x => LossSensitiveObjective(x, "softplus", 0.2f, 0.3f),
        ["loss_sensitive_relu"] = x => LossSensitiveObjective([x[0] + 0.3f, x[1] + 0.3f], "relu", 0.5f, 0f).Square(),
        ["hinge_critic"] = x => Gan.Hinge.CriticObjective(1.5f * x[0], 1.5f * x[1]).Square().Reshape(1),
        ["hinge_generator"] = x => Gan.Hinge.GeneratorObjective(x[0]).Square().Reshape(1),
        ["orthogonal_regularization_linear"] = x => Gan.OrthogonalRegularization.Penalty(x[0], 0.3f).Reshape(1),
        ["orthogonal_regularization_conv"] = x => Gan.OrthogonalRegularization.Penalty(x[0], 0.3f).Reshape(1),
        ["orthogonal_regularization_tall"] = x => Gan.OrthogonalRegularization.Penalty(x[0], 0.3f).Reshape(1), // from WᵀW
        ["conditional_batch_norm"] = x => Nn.ConditionalBatchNorm.Compute(x[0], x[1], x[2], x[3], x[4], x[5]),
        ["conditional_batch_norm_1d"] = x => Nn.ConditionalBatchNorm.Compute(x[0], x[1], x[2], x[3], x[4], x[5]),
        ["projection_head"] = x => Nn.ProjectionHead.Compute(x[0], Labels(2, 0, 1, 2, 1), x[1], x[2], x[3]),
        ["weight_norm_linear"] = x => Nn.WeightNormLinear.Compute(x[0], x[1], x[2].Abs() + 0.5f, x[3]).Square(),
        ["conv1d_k5_p2"] = x => Tensor.Conv1d(x[0], x[1], x[2], padding: 2).Square(),
        ["conv1d_k1"] = x => Tensor.Conv1d(x[0], x[1], x[2]),
        ["text_residual_block"] = x => Gan.TextResidualBlock.Compute(x[0], x[1], x[2], x[3], x[4]),
        ["conv2d_s2_p2_bias_leaky_fused"] = x => Tensor.Conv2d(x[0], x[1], x[2], stride: 2, padding: 2, activation: GemmActivation.LeakyRelu, slope: 0.2f),
        ["conv2d_p1_bias_relu_fused"] = x => Tensor.Conv2d(x[0], x[1], x[2], padding: 1, activation: GemmActivation.Relu),
        ["max_pool2"] = x => x[0].MaxPool(2).Square(),
        ["softmax"] = x => x[0].Softmax(1),
    };

    /// <summary>The loss-sensitive critic objective on the Python case's fixed pairs of samples.</summary>
    private static Tensor LossSensitiveObjective(Tensor[] f, string positive, float tau, float gamma)
    {
        var real = Tensor.FromArray([0.5f, -1.2f, 0.3f, 1.1f, 0.4f, -0.7f, -0.2f, 0.9f, 1.5f, 0f, -0.3f, 0.8f], 4, 3);
        var fake = Tensor.FromArray([0.1f, -0.9f, 1.3f, 0.2f, 0.6f, -0.5f, -1f, 0.4f, 0.9f, 0.7f, 0.2f, -0.4f], 4, 3);
        var margin = Gan.LossSensitive.Margin(real, fake, tau);
        return Gan.LossSensitive.CriticObjective(Gan.LossSensitive.Loss(f[0], positive), Gan.LossSensitive.Loss(f[1], positive), margin, gamma).Objective.Reshape(1);
    }

    private static Tensor Labels(params float[] labels) => Tensor.FromArray(labels, labels.Length);

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var c in Golden)
            foreach (bool emulated in new[] { false, true }) data.Add(c.GetProperty("name").GetString()!, emulated);
        return data;
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_gradients_and_second_derivatives_match_pytorch(string name, bool emulated)
    {
        Assert.True(Ops.ContainsKey(name), $"no C# op for golden case {name}");
        var c = Golden.Single(g => g.GetProperty("name").GetString() == name);
        Backend backend = emulated ? fixture.Backend : CpuBackend.Instance;
        using var _ = Device.Use(backend);
        var shapes = c.GetProperty("shapes").EnumerateArray().Select(Ints).ToArray();
        var inputs = c.GetProperty("inputs").EnumerateArray().Select((v, i) => Tensor.FromArray(Floats(v), shapes[i]).RequiresGrad_()).ToArray();
        var y = Ops[name](inputs);
        Assert.Equal(Ints(c.GetProperty("output_shape")), y.Shape);
        Close("output", Floats(c.GetProperty("output")), y.ToArray());

        var w = Tensor.FromArray(Floats(c.GetProperty("w")), y.Shape);
        var grads = Autograd.Grad([(y * w).Sum()], inputs, createGraph: true);
        var u = c.GetProperty("u").EnumerateArray().Select((v, i) => Tensor.FromArray(Floats(v), shapes[i])).ToArray();
        var expectedGrads = c.GetProperty("grads").EnumerateArray().Select(Floats).ToArray();
        Tensor? m = null;
        for (int i = 0; i < inputs.Length; i++)
        {
            Close($"gradient of input {i}", expectedGrads[i], grads[i]!.ToArray());
            var term = (grads[i]! * u[i]).Sum();
            m = m is null ? term : m + term;
        }
        var second = Autograd.Grad([m!], inputs, allowUnused: true);
        var expectedSecond = c.GetProperty("second").EnumerateArray().Select(Floats).ToArray();
        for (int i = 0; i < inputs.Length; i++)
            Close($"second derivative of input {i}", expectedSecond[i], second[i]?.ToArray() ?? new float[expectedSecond[i].Length]);
    }

    private static void Close(string what, float[] expected, float[] actual) => GoldenFiles.Close(what, expected, actual);
}
