using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>The image layers: shapes, PyTorch's initial scales, batch norm's running statistics and modes, buffers in the state.</summary>
public class ImageLayerTests
{
    [Fact]
    public void Convolutions_have_PyTorch_shapes_and_initial_bounds()
    {
        var gen = new RandomStream(1);
        var conv = new Conv2d(3, 8, 5, gen, stride: 2, padding: 2);
        Assert.Equal([8, 3, 5, 5], conv.Weight.Shape);
        float bound = 1f / MathF.Sqrt(3 * 25);
        var w = conv.Weight.ToArray();
        Assert.True(w.All(v => Math.Abs(v) <= bound) && w.Max() > 0.9f * bound, "conv weights should fill U(−1/√fan_in, 1/√fan_in)");
        Assert.Equal([2, 8, 14, 14], conv.Forward(Tensor.Zeros(2, 3, 28, 28)).Shape);

        var deconv = new ConvTranspose2d(8, 4, 5, gen, stride: 2, padding: 2, outputPadding: 1);
        Assert.Equal([8, 4, 5, 5], deconv.Weight.Shape);
        Assert.True(deconv.Weight.ToArray().All(v => Math.Abs(v) <= 1f / MathF.Sqrt(4 * 25)));
        Assert.Equal([2, 4, 14, 14], deconv.Forward(Tensor.Zeros(2, 8, 7, 7)).Shape);
        Assert.Equal(["weight", "bias"], deconv.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void Batch_norm_trains_on_batch_statistics_updates_running_ones_and_evaluates_with_them()
    {
        var bn = new BatchNorm(2);
        // Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased variance 1.25, unbiased 5/3); channel 1 holds 10 four times.
        var x = Tensor.FromArray([1, 2, 10, 10, 3, 4, 10, 10], 2, 2, 2);
        var y = bn.Forward(x).ToArray();
        float s = 1f / MathF.Sqrt(1.25f + 1e-5f);
        Assert.Equal([-1.5f * s, -0.5f * s, 0, 0, 0.5f * s, 1.5f * s, 0, 0], y, new ToleranceComparer(1e-5f));
        Assert.Equal([0.25f, 1f], bn.RunningMean.ToArray(), new ToleranceComparer(1e-6f));
        Assert.Equal([0.9f + 0.1f * 5f / 3f, 0.9f], bn.RunningVar.ToArray(), new ToleranceComparer(1e-6f));

        bn.Eval();
        var e = bn.Forward(Tensor.FromArray([0.25f, 1f], 1, 2)).ToArray();
        Assert.Equal([0f, 0f], e, new ToleranceComparer(1e-6f));
        Assert.Equal(["weight", "bias", "running_mean", "running_var"], bn.StateDict().Keys);
    }

    [Fact]
    public void Buffers_are_saved_and_loaded_with_the_parameters()
    {
        var net = new Sequential(new Conv2d(1, 2, 3, new RandomStream(1)), new BatchNorm(2));
        net.Forward(Tensor.Randn([3, 1, 5, 5], new RandomStream(2)));
        var path = Path.Combine(Path.GetTempPath(), $"gfs-bn-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, net.NamedState(), new Dictionary<string, string>());
            var copy = new Sequential(new Conv2d(1, 2, 3, new RandomStream(9)), new BatchNorm(2));
            copy.LoadStateDict(SafeTensors.Load(path).Tensors);
            Assert.Equal(net.StateDict()["1.running_var"].ToArray(), copy.StateDict()["1.running_var"].ToArray());
            Assert.Equal(net.StateDict()["0.weight"].ToArray(), copy.StateDict()["0.weight"].ToArray());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Shape_layers_and_bad_sizes()
    {
        var x = Tensor.Randn([2, 3, 8, 8], new RandomStream(1));
        Assert.Equal([2, 3, 7, 7], new Crop(7).Forward(x).Shape);
        Assert.Equal([2, 192], new Flatten().Forward(x).Shape);
        Assert.Equal([2, 3, 8, 8], new Unflatten(3, 8, 8).Forward(x.Flatten(1)).Shape);
        Assert.Equal([2, 3, 16, 16], new UpsampleNearest(2).Forward(x).Shape);
        Assert.Equal([2, 3, 4, 4], new AvgPool(2).Forward(x).Shape);
        var drop = new Dropout(0.5f, new RandomStream(3));
        var kept = drop.Forward(Tensor.Ones(1000)).ToArray();
        Assert.InRange(kept.Count(v => v == 0f), 400, 600);
        Assert.All(kept, v => Assert.True(v == 0f || v == 2f));
        drop.Eval();
        Assert.All(drop.Forward(Tensor.Ones(10)).ToArray(), v => Assert.Equal(1f, v));
        var e = Assert.Throws<ArgumentException>(() => new Conv2d(1, 0, 3, new RandomStream(1)));
        Assert.Contains("out=0", e.Message);
        var mismatch = Assert.Throws<ArgumentException>(() => new Conv2d(2, 4, 3, new RandomStream(1)).Forward(x));
        Assert.Contains("[2, 3, 8, 8]", mismatch.Message);
    }
}

/// <summary>Equality of floats within an absolute tolerance, for Assert.Equal on arrays.</summary>
internal sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
    public int GetHashCode(float value) => 0;
}
