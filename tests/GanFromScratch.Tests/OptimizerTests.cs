using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>Ten optimizer steps against torch.optim (Golden/optimizers.json, from tools/golden/optimizers.py).</summary>
public class OptimizerTests
{
    private static readonly JsonElement Golden =
        GoldenFiles.Json("optimizers.json");

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, Golden.GetProperty("cases").GetArrayLength())];

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static float Arg(JsonElement args, string name, float fallback) => args.TryGetProperty(name, out var v) ? v.GetSingle() : fallback;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ten_steps_match_PyTorch(int index)
    {
        var shapes = Golden.GetProperty("shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(d => d.GetInt32()).ToArray()).ToArray();
        var init = Golden.GetProperty("init").EnumerateArray().Select(Floats).ToArray();
        var target = Golden.GetProperty("target").EnumerateArray().Select((t, i) => Tensor.FromArray(Floats(t), shapes[i])).ToArray();
        var scale = Golden.GetProperty("scale").EnumerateArray().Select((c, i) => Tensor.FromArray(Floats(c), shapes[i])).ToArray();
        var c = Golden.GetProperty("cases")[index];
        var args = c.GetProperty("args");
        var parameters = shapes.Select((s, i) => ($"p{i}", Tensor.FromArray(init[i], s).RequiresGrad_())).ToArray();

        float lr = Arg(args, "lr", 0);
        float wd = Arg(args, "weight_decay", 0);
        Optimizer optimizer = c.GetProperty("optimizer").GetString() switch
        {
            "sgd" => new Sgd(parameters, lr, Arg(args, "momentum", 0), wd),
            "rmsprop" => new RmsProp(parameters, lr, Arg(args, "alpha", 0.99f), Arg(args, "eps", 1e-8f), wd),
            "adam" => new Adam(parameters, lr,
                args.TryGetProperty("betas", out var b) ? b[0].GetSingle() : 0.9f,
                args.TryGetProperty("betas", out var b2) ? b2[1].GetSingle() : 0.999f,
                Arg(args, "eps", 1e-8f), wd),
            var other => throw new InvalidOperationException(other),
        };

        var steps = c.GetProperty("steps");
        for (int step = 0; step < 10; step++)
        {
            optimizer.ZeroGrad();
            var loss = parameters.Select((p, i) => (scale[i] * (p.Item2 - target[i]).Square()).Sum()).Aggregate((x, y) => x + y);
            loss.Backward();
            optimizer.Step();
            for (int i = 0; i < parameters.Length; i++)
            {
                var expected = Floats(steps[step][i]);
                var actual = parameters[i].Item2.ToArray();
                for (int j = 0; j < expected.Length; j++)
                    Assert.True(Math.Abs(expected[j] - actual[j]) <= 2e-6 + 2e-5 * Math.Abs(expected[j]),
                        $"case {index} step {step + 1} parameter {i}[{j}]: PyTorch {expected[j]}, gfs {actual[j]}");
            }
        }
        Assert.Equal(10, optimizer.StepCount);
    }

    [Fact]
    public void Weight_clipping_bounds_every_parameter()
    {
        var net = new Sequential(new Linear(3, 8, new RandomStream(1)), new Relu(), new Linear(8, 1, new RandomStream(2)));
        foreach (var p in net.Parameters()) p.Load(p.ToArray().Select(v => v * 100).ToArray());
        WeightClipping.Apply(net, 0.01f);
        var all = net.Parameters().SelectMany(p => p.ToArray()).ToArray();
        Assert.All(all, v => Assert.InRange(v, -0.01f, 0.01f));
        Assert.Contains(all, v => v == 0.01f);
        Assert.Contains(all, v => v == -0.01f);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1e-3f)]
    [InlineData(float.NaN)]
    public void Bad_learning_rates_are_refused(float lr)
    {
        var p = new[] { ("w", Tensor.Zeros(2).RequiresGrad_()) };
        var e = Assert.Throws<ArgumentException>(() => new Adam(p, lr));
        Assert.Contains("learning rate", e.Message);
    }
}
