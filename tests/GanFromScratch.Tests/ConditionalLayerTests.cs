using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// BigGAN's conditional layers as modules: conditional batch norm with its running statistics and
/// the projection head. Their formulas are checked against PyTorch in ImageOpGoldenTests
/// (conditional_batch_norm*, projection_head) and by finite differences in OpGradientTests.
/// </summary>
public sealed class ConditionalLayerTests
{
    [Fact]
    public void Conditional_batch_norm_is_batch_norm_scaled_and_shifted_by_the_condition()
    {
        using var _ = TensorScope.Begin();
        var random = new RandomStream(2);
        var layer = new ConditionalBatchNorm(3, 5, random);
        Assert.Equal(["gain.weight", "gain.bias", "bias.weight", "bias.bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.Equal(["running_mean", "running_var"], layer.NamedBuffers().Select(b => b.Name));
        var x = Tensor.Randn([4, 3, 2, 2], random);
        var e = Tensor.Randn([4, 5], random);
        var expected = ConditionalBatchNorm.Compute(x, e, layer.Gain.Weight, layer.Gain.Bias!, layer.Shift.Weight, layer.Shift.Bias!).ToArray();
        var plain = new BatchNorm(3);
        Assert.Equal(expected, layer.Forward(x, e).ToArray());
        plain.Forward(x);
        Assert.Equal(plain.RunningMean.ToArray(), layer.RunningMean.ToArray()); // the running statistics as batch norm keeps them
        Assert.Equal(plain.RunningVar.ToArray(), layer.RunningVar.ToArray());

        // Zero gain and shift layers: exactly the normalization, in evaluation mode with the running statistics.
        foreach (var p in layer.Parameters()) p.CopyFrom(Tensor.ZerosLike(p));
        layer.Eval();
        plain.Eval();
        plain.Weight.CopyFrom(Tensor.Ones(3));
        Assert.Equal(plain.Forward(x).ToArray(), layer.Forward(x, e).ToArray());
        Assert.Throws<InvalidOperationException>(() => layer.Forward(x));
        Assert.Throws<ArgumentException>(() => layer.Forward(x, Tensor.Zeros(4, 2)));
    }

    [Fact]
    public void The_projection_head_adds_the_inner_product_with_the_class_vector()
    {
        using var _ = TensorScope.Begin();
        var head = new ProjectionHead(2, 3, new RandomStream(1));
        Assert.Equal(["psi.weight", "psi.bias", "embed.weight"], head.NamedParameters().Select(p => p.Name));
        head.Psi.Weight.Load([1f, -1f]);
        head.Psi.Bias!.Load([0.5f]);
        head.Embed.Weight.Load([1f, 0f, 0f, 2f, -1f, -1f]);
        var h = Tensor.FromArray([3f, 1f, 3f, 1f], 2, 2);
        // ψ(h) = 3 − 1 + 0.5 = 2.5 for both rows; class 1: ⟨(0, 2), (3, 1)⟩ = 2; class 2: ⟨(−1, −1), (3, 1)⟩ = −4.
        Assert.Equal([4.5f, -1.5f], head.Forward(h, Tensor.FromArray([1f, 2f], 2)).ToArray());
        Assert.Throws<InvalidOperationException>(() => head.Forward(h));
    }

    [Fact]
    public void Standing_statistics_are_the_statistics_of_one_batch_and_leave_mode_and_momentum_as_they_were()
    {
        using var _ = TensorScope.Begin();
        var norm = new BatchNorm(2);
        norm.Eval();
        var x = Tensor.FromArray([1f, 10f, 3f, 20f, 5f, 60f], 3, 2); // channel 0: 1, 3, 5; channel 1: 10, 20, 60
        BatchStatistics.Recompute(norm, () => norm.Forward(x));
        Assert.Equal([3f, 30f], norm.RunningMean.ToArray());
        Assert.Equal([4f, 700f], norm.RunningVar.ToArray()); // unbiased: (4 + 0 + 4) / 2, (400 + 100 + 900) / 2
        Assert.False(norm.Training);
        Assert.Equal(0.1f, norm.Momentum);
        Assert.Equal([norm.RunningMean, norm.RunningVar], BatchStatistics.Buffers(norm));
    }

    [Fact]
    public void Standing_statistics_change_the_running_statistics_alone_not_spectral_norms_u_and_v()
    {
        using var _ = TensorScope.Begin();
        var linear = new Linear(3, 2, new RandomStream(1)).WithSpectralNorm(new RandomStream(2));
        var norm = new BatchNorm(2);
        var network = new Sequential(linear, norm).Eval();
        var x = Tensor.Randn([5, 3], new RandomStream(3));
        float[] u = linear.SpectralNorm!.U.ToArray(), v = linear.SpectralNorm.V.ToArray(), mean = norm.RunningMean.ToArray();
        BatchStatistics.Recompute(network, () => network.Forward(x));
        Assert.NotEqual(mean, norm.RunningMean.ToArray());
        Assert.Equal(u, linear.SpectralNorm.U.ToArray());
        Assert.Equal(v, linear.SpectralNorm.V.ToArray());
        // A training forward of its own steps the power iteration: what Recompute puts back.
        network.Train();
        network.Forward(x);
        Assert.NotEqual(u, linear.SpectralNorm.U.ToArray());
    }

    [Fact]
    public void Kept_buffers_are_written_back_and_the_parameters_left_alone()
    {
        using var _ = TensorScope.Begin();
        var norm = new BatchNorm(2);
        float[] mean = norm.RunningMean.ToArray(), weight = norm.NamedParameters().First().Value.ToArray();
        using (Module.KeepBuffers([norm]))
        {
            norm.Forward(Tensor.FromArray([1f, 10f, 3f, 20f], 2, 2));
            Assert.NotEqual(mean, norm.RunningMean.ToArray());
            norm.NamedParameters().First().Value.Load([5f, 6f]);
        }
        Assert.Equal(mean, norm.RunningMean.ToArray());
        Assert.Equal([5f, 6f], norm.NamedParameters().First().Value.ToArray());
        Assert.NotEqual(weight, norm.NamedParameters().First().Value.ToArray());
    }
}
