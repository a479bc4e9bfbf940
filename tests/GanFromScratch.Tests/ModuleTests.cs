using GanFromScratch.Engine;
using GanFromScratch.Kernels;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>Modules: names, modes, gradients, and the initializers' distributions.</summary>
public class ModuleTests
{
    [Fact]
    public void Names_follow_PyTorch_and_freezing_stops_gradients()
    {
        var net = new Sequential(new Linear(2, 3, new RandomStream(1)), new Relu(), new Linear(3, 1, new RandomStream(2), bias: false));
        Assert.Equal(["0.weight", "0.bias", "2.weight"], net.NamedParameters().Select(p => p.Name));
        Assert.Equal(2 * 3 + 3 + 3, net.ParameterCount);
        net.Eval();
        Assert.True(net.Layers.All(l => !l.Training));
        net.Train();

        var x = Tensor.FromArray([1, 2, -1, 0.5f], 2, 2).RequiresGrad_();
        net.RequiresGrad_(false);
        net.Forward(x).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
        Assert.NotNull(x.Grad);

        net.RequiresGrad_(true);
        net.Forward(x).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Linear_computes_x_W_transposed_plus_b()
    {
        var linear = new Linear(2, 2, new RandomStream(1));
        linear.Weight.Load([1, 2, 3, 4]);
        linear.Bias!.Load([10, 20]);
        Assert.Equal([1 + 4 + 10, 3 + 8 + 20f], linear.Forward(Tensor.FromArray([1, 2], 1, 2)).ToArray());
        var e = Assert.Throws<ArgumentException>(() => linear.Forward(Tensor.Zeros(1, 3)));
        Assert.Contains("expects input [batch, 2]", e.Message);
    }

    /// <summary>
    /// <see cref="Sequential"/> runs a Linear and the ReLU or LeakyReLU after it as one GEMM with
    /// an epilogue. The output, the gradient ∇ₓ, and the gradients of a penalty on ‖∇ₓ‖ (a
    /// gradient of a gradient, as in WGAN-GP) equal those of the three separate ops to the last bit.
    /// </summary>
    [Fact]
    public void Sequential_fuses_a_linear_layer_and_its_activation_to_the_last_bit()
    {
        var gen = new RandomStream(5);
        var net = new Sequential(new Linear(3, 16, gen), new Relu(), new Linear(16, 16, gen), new LeakyRelu(0.2f),
            new Linear(16, 8, gen), new Tanh(), new Linear(8, 1, gen));
        Tensor Unfused(Tensor x)
        {
            foreach (var layer in net.Layers)
                x = layer is Linear l ? Tensor.MatMulT(x, l.Weight, false, true) + l.Bias! : layer.Forward(x);
            return x;
        }
        var data = Tensor.Randn([9, 3], new RandomStream(6));

        var fused = PenaltyPass(net.Forward, data, net);
        var unfused = PenaltyPass(Unfused, data, net);
        for (int i = 0; i < fused.Length; i++) Assert.Equal(unfused[i], fused[i]);
        // The last layer's bias does not reach ∇ₓ: its gradient is null (empty here).
        Assert.Single(fused, values => values.Length == 0);

        // The fusion happened: a hidden layer's output comes from the fused op, not from a separate ReLU,
        // and it took one kernel.
        var counter = new KernelCounter(Device.Default);
        using (Device.Use(counter))
        {
            var layer = new Sequential(new Linear(3, 16, new RandomStream(1)), new Relu());
            var input = Tensor.FromArray(data.ToArray(), data.Shape);
            counter.Reset();
            var hidden = layer.Forward(input.RequiresGrad_());
            Assert.Equal("matmul_bias_relu", hidden.GradFn!.Name);
            Assert.Equal(1, counter.Kernels);
            Assert.Equal(1, counter.Counts["gemm_epilogue"]);
        }
        var first = (Linear)net.Layers[0];
        var unfusedHidden = net.Layers[1].Forward(Tensor.MatMulT(data, first.Weight, false, true) + first.Bias!);
        Assert.Equal("relu", unfusedHidden.GradFn!.Name);
    }

    /// <summary>
    /// A LeakyReLU with a negative slope cannot be fused (its derivative could not be read from
    /// the output): the op refuses it, and Sequential runs it as a separate layer.
    /// </summary>
    [Fact]
    public void A_negative_slope_leaky_relu_is_not_fused()
    {
        var x = Tensor.Randn([4, 3], new RandomStream(2));
        var w = Tensor.Randn([5, 3], new RandomStream(3));
        var e = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, w, null, GemmActivation.LeakyRelu, -0.5f));
        Assert.Contains("slope ≥ 0", e.Message);

        var linear = new Linear(3, 5, new RandomStream(4));
        var net = new Sequential(linear, new LeakyRelu(-0.5f));
        var y = net.Forward(x.RequiresGrad_());
        Assert.Equal("leaky_relu", y.GradFn!.Name);
        Assert.Equal((Tensor.MatMulT(x, linear.Weight, false, true) + linear.Bias!).LeakyRelu(-0.5f).ToArray(), y.ToArray());
    }

    /// <summary>
    /// The same for convolutions: a critic of Conv2d + LeakyReLU layers (the WGAN-GP critic's
    /// form) gives the same scores and ∇ₓ fused as unfused, to the last bit, and the same penalty
    /// gradients to float rounding: a fused convolution sums its bias gradient over [channel,
    /// batch·positions] in one reduction, the unfused one over batch, height and width in turn.
    /// </summary>
    [Fact]
    public void Sequential_fuses_a_convolution_and_its_activation_to_the_last_bit()
    {
        var gen = new RandomStream(8);
        var net = new Sequential(new Conv2d(1, 4, 3, gen, stride: 2, padding: 1), new LeakyRelu(0.2f),
            new Conv2d(4, 6, 3, gen, stride: 2, padding: 1), new Relu(), new Flatten(), new Linear(6 * 2 * 2, 1, gen));
        Tensor Unfused(Tensor x)
        {
            foreach (var layer in net.Layers)
                x = layer is Conv2d c ? Tensor.Conv2d(x, c.Weight, null, c.Stride, c.Padding) + c.Bias!.Reshape(1, c.OutChannels, 1, 1)
                    : layer.Forward(x);
            return x;
        }
        var data = Tensor.Randn([3, 1, 7, 7], new RandomStream(9));

        var fused = PenaltyPass(net.Forward, data, net);
        var unfused = PenaltyPass(Unfused, data, net);
        Assert.Equal(unfused[0], fused[0]);
        Assert.Equal(unfused[1], fused[1]);
        for (int i = 2; i < fused.Length; i++)
        {
            Assert.Equal(unfused[i].Length, fused[i].Length);
            for (int j = 0; j < fused[i].Length; j++)
                Assert.True(Math.Abs(unfused[i][j] - fused[i][j]) <= 1e-6 * (1 + Math.Abs(unfused[i][j])),
                    $"parameter {i - 2} element {j}: fused {fused[i][j]}, unfused {unfused[i][j]}");
        }
    }

    /// <summary>
    /// A critic's pass as WGAN-GP makes it: the scores y of <paramref name="data"/>, ∇ₓ of their sum
    /// (recorded), and the gradients of the penalty mean((‖∇ₓ‖ − 1)²) with respect to every parameter
    /// of <paramref name="net"/> (empty for one that does not reach ∇ₓ), in that order.
    /// </summary>
    private static float[][] PenaltyPass(Func<Tensor, Tensor> forward, Tensor data, Module net)
    {
        var x = Tensor.FromArray(data.ToArray(), data.Shape).RequiresGrad_();
        var y = forward(x);
        var gx = Autograd.Grad(y.Sum(), x, createGraph: true);
        var penalty = (gx.Reshape(data.Shape[0], data.Size / data.Shape[0]).Norm([1]) - 1f).Square().Mean();
        var grads = Autograd.Grad([penalty], [.. net.Parameters()], allowUnused: true);
        return [y.ToArray(), gx.ToArray(), .. grads.Select(g => g?.ToArray() ?? [])];
    }

    private static (double Mean, double Std, double MaxAbs) Stats(Tensor t)
    {
        var v = t.ToArray();
        double mean = v.Average();
        return (mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length), v.Max(x => Math.Abs(x)));
    }

    [Fact]
    public void Initializers_have_their_distributions()
    {
        var g = new RandomStream(4);
        // PyTorch's Linear default: U(−1/√fan_in, 1/√fan_in), std = bound/√3.
        var (mean, std, maxAbs) = Stats(Init.LinearDefaultWeight(256, 400, g));
        Assert.True(maxAbs <= 1 / Math.Sqrt(400));
        Assert.Equal(1 / Math.Sqrt(400) / Math.Sqrt(3), std, 3);
        Assert.Equal(0, mean, 3);

        var w = Tensor.Zeros(300, 50);
        Init.HeNormal(w, g);
        (mean, std, _) = Stats(w);
        Assert.Equal(Math.Sqrt(2.0 / 50), std, 2);

        Init.Normal(w, g);
        (mean, std, _) = Stats(w);
        Assert.Equal(0.02, std, 3);
        Assert.Equal(0, mean, 3);
    }
}
