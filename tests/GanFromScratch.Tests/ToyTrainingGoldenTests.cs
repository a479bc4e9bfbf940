using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// One generator iteration of every variant against PyTorch (Golden/toy_training_step.json from
/// tools/golden/toy_training_step.py): same initial weights, same batches, noise and α; the
/// losses of every critic step, the generator's loss and every weight afterwards must agree.
/// </summary>
public class ToyTrainingGoldenTests
{
    private static readonly JsonElement Golden =
        GoldenFiles.Json("toy_training_step.json");

    public static TheoryData<string> Variants() => [.. Golden.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("variant").GetString()!)];

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static void Load(Module net, JsonElement weights)
    {
        foreach (var (name, p) in net.NamedParameters()) p.Load(Floats(weights.GetProperty(name)));
    }

    private static void Near(float expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 + 1e-4 * Math.Abs(expected), $"{what}: PyTorch {expected}, gfs {actual}");

    [Theory]
    [MemberData(nameof(Variants))]
    public void One_iteration_matches_PyTorch(string variant)
    {
        var c = Golden.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("variant").GetString() == variant);
        int batch = Golden.GetProperty("batch").GetInt32();
        var config = TestRuns.Defaults(variant) with
        {
            Dim = Golden.GetProperty("dim").GetInt32(), BatchSize = batch,
            Lr = c.GetProperty("lr").GetSingle(), CriticIters = c.GetProperty("critic_iters").GetInt32(),
        };
        if (variant == "wgan-gp") config = config.WithOption(WganGp.Lambda, c.GetProperty("lambda").GetSingle());
        if (variant == "wgan") config = config.WithOption(Wgan.Clip, c.GetProperty("clip").GetSingle());
        if (variant == "loss-sensitive")
            config = config.WithOption(LossSensitive.Penalty, c.GetProperty("lambda").GetSingle()).WithOption(LossSensitive.Decay, c.GetProperty("weight_decay").GetSingle());
        var trainer = TestRuns.Toy(config);
        var (g, d) = (((ToyMlp)trainer.Players.Generator).Main, ((ToyMlp)trainer.Players.Critic).Main);
        Load(g, c.GetProperty("init").GetProperty("generator")); // the script's networks are bare Sequentials: no "main."
        Load(d, c.GetProperty("init").GetProperty("critic"));

        int k = 0;
        foreach (var step in c.GetProperty("critic_steps").EnumerateArray())
        {
            using var scope = TensorScope.Begin();
            var losses = trainer.CriticStep(new Batch(Tensor.FromArray(Floats(step.GetProperty("noise")), batch, 2))
            {
                Real = Tensor.FromArray(Floats(step.GetProperty("real")), batch, 2),
                Alpha = Tensor.FromArray(Floats(step.GetProperty("alpha")), batch, 1),
            });
            Near(step.GetProperty("critic_w").GetSingle(), -losses.Objective.Item(), $"critic step {k} critic_w");
            Near(step.GetProperty("loss").GetSingle(), losses.Total.Item(), $"critic step {k} loss");
            Near(step.GetProperty("penalty").GetSingle(), losses.Penalty?.Item() ?? 0f, $"critic step {k} penalty");
            k++;
        }
        using (TensorScope.Begin())
            Near(c.GetProperty("g_loss").GetSingle(), trainer.GeneratorStep(new Batch(Tensor.FromArray(Floats(c.GetProperty("g_noise")), batch, 2))).Item(), "generator loss");

        var after = c.GetProperty("after");
        foreach (var (net, key) in new[] { (g, "generator"), (d, "critic") })
            foreach (var (name, p) in net.NamedParameters())
            {
                var expected = Floats(after.GetProperty(key).GetProperty(name));
                var actual = p.ToArray();
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-5 + 1e-4 * Math.Abs(expected[i]),
                        $"{key}.{name}[{i}] after the iteration: PyTorch {expected[i]}, gfs {actual[i]}");
            }
    }
}
