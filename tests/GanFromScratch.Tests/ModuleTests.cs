using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>Modules: names, modes, gradients, and the initializers' distributions.</summary>
public class ModuleTests
{
    [Fact]
    public void Names_follow_PyTorch_and_freezing_stops_gradients()
    {
        var net = new Sequential(new Linear(2, 3, new Generator(1)), new Relu(), new Linear(3, 1, new Generator(2), bias: false));
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
        var linear = new Linear(2, 2, new Generator(1));
        linear.Weight.Load([1, 2, 3, 4]);
        linear.Bias!.Load([10, 20]);
        Assert.Equal([1 + 4 + 10, 3 + 8 + 20f], linear.Forward(Tensor.FromArray([1, 2], 1, 2)).ToArray());
        var e = Assert.Throws<ArgumentException>(() => linear.Forward(Tensor.Zeros(1, 3)));
        Assert.Contains("expects input [batch, 2]", e.Message);
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
        var g = new Generator(4);
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
