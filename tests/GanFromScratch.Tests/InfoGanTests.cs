using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// InfoGAN: the latent codes through batches, the generator's input and checkpoints; the Q head
/// and its measures (mi, code_acc); the traversal; resume; the refusals. The information term
/// itself is checked against PyTorch in ImageOpGoldenTests (infogan_information).
/// </summary>
public sealed class InfoGanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-info-").FullName;
    private readonly ImageDataset _images;

    public InfoGanTests()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        _images = FashionMnist.Load(_dir, train: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainConfig Small() => TestRuns.Defaults("infogan", "mnist") with { DataDir = _dir, Dim = 2, BatchSize = 4, Iters = 10 };

    private Trainer Make(TrainConfig? config = null) => TestRuns.Images(config ?? Small(), _images, _images);

    [Fact]
    public void The_defaults_are_the_authors_and_the_generator_takes_noise_and_codes()
    {
        var config = TestRuns.Defaults("infogan", "fashion-mnist");
        Assert.Equal((1e-3f, 2e-4f, 0.5f, 128), (config.LrFor(Roles.Generator), config.LrFor(Roles.Critic), config.Beta1, config.BatchSize));
        var trainer = Make();
        Assert.Equal(new Latent(62, NoiseDistribution.Uniform, 10, 2), trainer.Latent);
        var state = TestRuns.State(trainer).ToDictionary(t => t.Name, t => t.Values);
        Assert.Equal(62 + 10 + 2, state["generator.0.weight"].Length / (16 * 2)); // the first layer reads z, one-hot c_cat and c_cont
        Assert.Equal((10 + 2) * 2 * 2, state["critic.q.3.weight"].Length); // Q's last layer: 10 logits and 2 means from 2·DIM
        Assert.Contains("critic.d.weight", state.Keys);
        // The optimizers were given the two learning rates.
        Assert.Equal(1e-3f, trainer.Players[Roles.Generator].Optimizer!.LearningRate);
        Assert.Equal(2e-4f, trainer.Players[Roles.Critic].Optimizer!.LearningRate);
    }

    [Fact]
    public void The_counts_of_noise_and_codes_are_options()
    {
        var config = Small().WithOption(InfoGan.Noise, 20).WithOption(InfoGan.Categories, 4).WithOption(InfoGan.ContinuousCodes, 3);
        var trainer = Make(config);
        Assert.Equal(new Latent(20, NoiseDistribution.Uniform, 4, 3), trainer.Latent);
        Assert.Equal(20 + 4 + 3, TestRuns.State(trainer).Single(t => t.Name == "generator.0.weight").Values.Length / (16 * 2));
        var losses = trainer.Step();
        Assert.True(float.IsFinite(losses.CriticLoss) && float.IsFinite(losses.GLoss), $"{losses}");
    }

    [Fact]
    public void A_resumed_run_equals_an_uninterrupted_one_bitwise()
    {
        var straight = Make();
        var expected = Enumerable.Range(0, 7).Select(_ => straight.Step()).ToArray();
        var first = Make();
        for (int i = 0; i < 3; i++) first.Step();
        string path = Path.Combine(_dir, "info.safetensors");
        TestRuns.Save(first, path);
        var config = Checkpoint.ReadConfig(path);
        var resumed = Checkpoint.Load(path, config, new ImageData(config, _images, _images));
        for (int i = 3; i < 7; i++) Assert.Equal(expected[i], resumed.Step());
        Assert.Equal(TestRuns.State(straight).Select(t => t.Values), TestRuns.State(resumed).Select(t => t.Values));
    }

    [Fact]
    public void The_codes_change_the_images_and_the_measures_are_in_range()
    {
        var trainer = Make(Small() with { Dim = 8 });
        trainer.Step();
        using (TensorScope.Begin())
        {
            var a = trainer.Generate(4, new RandomStream(3), category: ToyData.Labels([0, 0, 0, 0])).ToArray();
            var b = trainer.Generate(4, new RandomStream(3), category: ToyData.Labels([7, 7, 7, 7])).ToArray();
            Assert.NotEqual(a, b);
        }
        var measures = trainer.Variant.Measure(trainer).ToDictionary(m => m.Name, m => m.Value);
        Assert.InRange(measures["mi"], -10, Math.Log(10) + 1e-6); // L_I ≤ H(c) = ln 10
        Assert.InRange(measures["code_acc"], 0.1 - 1e-9, 1); // the best matching is never worse than chance's 1/10 on balanced labels
    }

    /// <summary>code_acc names no code: a renaming of codes to classes that is a permutation scores 1; with mistakes, the best renaming's hits.</summary>
    [Fact]
    public void Code_accuracy_is_the_best_one_to_one_renaming()
    {
        int[] labels = [0, 0, 1, 1, 2, 2, 3, 3];
        Assert.Equal(1.0, InfoGan.MatchedAccuracy([2, 2, 0, 0, 3, 3, 1, 1], 4, labels, 4));
        // Codes 1 and 2 both say class 0, and code 2 also class 3: 1 → 0, 0 → 1, 3 → 2, 2 → 3 is best, 7 of 8.
        Assert.Equal(7.0 / 8, InfoGan.MatchedAccuracy([1, 2, 0, 0, 3, 3, 2, 2], 4, labels, 4));
        // More codes than classes (6 for 4): codes 4 and 5 each hold one image of class 0 and one of class 3, so
        // each can be matched to one of the two; codes 2 and 3 hold nothing and go to no class. 6 of 8.
        Assert.Equal(6.0 / 8, InfoGan.MatchedAccuracy([4, 5, 0, 0, 1, 1, 5, 4], 6, labels, 4));
    }

    [Fact]
    public void The_traversal_has_a_row_per_category_and_ten_columns_and_sample_writes_it()
    {
        string run = Path.Combine(_dir, "run");
        var (code, _, err) = Gfs.Run("train", "infogan", "--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "2",
            "--eval-every", "2", "--categories", "3", "--threads", "1", "--out", run);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(run, "frames", "traverse_iter_000002.png")));
        string checkpoint = Path.Combine(run, TrainingRun.CheckpointFile);
        string png = Path.Combine(_dir, "t.png");
        (code, _, err) = Gfs.Run("sample", "--checkpoint", checkpoint, "--code", "2", "--out", png);
        Assert.True(code == 0, err);
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal((10 * 58 + 2, 3 * 58 + 2), (bitmap.Width, bitmap.Height)); // 10 columns, 3 rows of 28×28 at scale 2 with gaps of 2

        var outOfRange = Gfs.Run("sample", "--checkpoint", checkpoint, "--code", "3", "--out", png);
        Assert.Equal(2, outOfRange.Code);
        Assert.Contains("continuous codes 1 to 2", outOfRange.Err);
        string plain = Path.Combine(_dir, "plain");
        Assert.Equal(0, Gfs.Run("train", "gan", "--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "1", "--threads", "1", "--out", plain).Code);
        var noCodes = Gfs.Run("sample", "--checkpoint", Path.Combine(plain, TrainingRun.CheckpointFile), "--code", "1", "--out", png);
        Assert.Equal(2, noCodes.Code);
        Assert.Contains("no latent codes", noCodes.Err);
    }

    [Theory]
    [InlineData("--categories", "1", "--categories must be a whole number from 2 to 1000")]
    [InlineData("--categories", "0", "--categories must be a whole number from 2 to 1000")]
    [InlineData("--continuous-codes", "0", "--continuous-codes must be a whole number from 1 to 100")]
    [InlineData("--noise", "0", "--noise must be a whole number from 1 to 10000")]
    [InlineData("--dataset", "8gaussians", "infogan trains on 28×28 images")]
    [InlineData("--arch", "dcgan", "infogan has no architecture 'dcgan'")]
    public void Impossible_codes_and_data_are_refused_before_anything_is_written(string option, string value, string expected)
    {
        string run = Path.Combine(_dir, "refused");
        string[] data = option == "--dataset" ? [] : ["--dataset", "mnist", "--data", _dir];
        var (code, _, err) = Gfs.Run(["train", "infogan", .. data, option, value, "--out", run]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(run));
    }
}
