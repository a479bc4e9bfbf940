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
        var trainer = new ToyTrainer(new TrainConfig
        {
            Variant = variant, Dim = Golden.GetProperty("dim").GetInt32(), BatchSize = batch,
            Lr = c.GetProperty("lr").GetSingle(), CriticIters = c.GetProperty("critic_iters").GetInt32(),
            Lambda = c.GetProperty("lambda").GetSingle(), Clip = c.GetProperty("clip") is var clip && clip.GetSingle() > 0 ? clip.GetSingle() : 0.01f,
        });
        Load(trainer.G.Main, c.GetProperty("init").GetProperty("generator")); // the script's networks are bare Sequentials: no "main."
        Load(trainer.D.Main, c.GetProperty("init").GetProperty("critic"));

        int k = 0;
        foreach (var step in c.GetProperty("critic_steps").EnumerateArray())
        {
            using var scope = TensorScope.Begin();
            var losses = trainer.CriticStep(Tensor.FromArray(Floats(step.GetProperty("real")), batch, 2),
                Tensor.FromArray(Floats(step.GetProperty("noise")), batch, 2), Tensor.FromArray(Floats(step.GetProperty("alpha")), batch, 1));
            Near(step.GetProperty("critic_w").GetSingle(), losses.CriticW, $"critic step {k} critic_w");
            Near(step.GetProperty("loss").GetSingle(), losses.Loss, $"critic step {k} loss");
            Near(step.GetProperty("penalty").GetSingle(), losses.Penalty, $"critic step {k} penalty");
            k++;
        }
        using (TensorScope.Begin())
            Near(c.GetProperty("g_loss").GetSingle(), trainer.GeneratorStep(Tensor.FromArray(Floats(c.GetProperty("g_noise")), batch, 2)), "generator loss");

        var after = c.GetProperty("after");
        foreach (var (net, key) in new[] { (trainer.G.Main, "generator"), (trainer.D.Main, "critic") })
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
