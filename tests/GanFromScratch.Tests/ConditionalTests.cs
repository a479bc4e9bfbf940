using System.Text;
using System.Text.RegularExpressions;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// The conditional variants end to end: labels through batches, players, checkpoints, metrics,
/// pictures and exports; a resumed conditional run equal to an uninterrupted one; the refusals.
/// </summary>
public sealed class ConditionalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-cond-").FullName;
    private readonly ImageDataset _images;

    public ConditionalTests()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        _images = FashionMnist.Load(_dir, train: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The conditional variants that train on toy data too (biggan trains on images only: BigGanVariantTests).</summary>
    public static TheoryData<string> ConditionalVariants => [.. Registry.All.Where(v => v.NeedsLabels && v.Accepts.Contains(DataKind.Toy)).Select(v => v.Name)];

    private static TrainConfig Toy(string variant) => TestRuns.Defaults(variant) with { Dim = 8, BatchSize = 16, Iters = 10, EvalEvery = 5, Seed = 4 };

    private TrainConfig Images(string variant) => TestRuns.Defaults(variant, "mnist") with
    {
        DataDir = _dir, Dim = 2, BatchSize = 4, Iters = 10, Lr = 1e-3f, CriticIters = 2, FdSamples = 20,
    };

    [Theory]
    [MemberData(nameof(ConditionalVariants))]
    public void A_resumed_conditional_run_equals_an_uninterrupted_one_bitwise(string variant)
    {
        foreach (bool images in new[] { false, true })
        {
            Trainer Make() => images ? TestRuns.Images(Images(variant), _images) : TestRuns.Toy(Toy(variant));
            var straight = Make();
            var expected = Enumerable.Range(0, 7).Select(_ => straight.Step()).ToArray(); // 7 × 2 × 4 images: crosses epochs of 24

            var first = Make();
            for (int i = 0; i < 4; i++) first.Step();
            string path = Path.Combine(_dir, $"{variant}-{images}.safetensors");
            TestRuns.Save(first, path);
            var resumed = images ? TestRuns.LoadImages(path, _images) : TestRuns.LoadToy(path);
            for (int i = 4; i < 7; i++) Assert.Equal(expected[i], resumed.Step());
            var (a, b) = (TestRuns.State(straight), TestRuns.State(resumed));
            Assert.Equal(a.Select(t => t.Name), b.Select(t => t.Name));
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i].Values, b[i].Values);
        }
    }

    [Theory]
    [InlineData("cgan")]
    [InlineData("cwgan-gp")]
    public void With_arch_biggan_a_conditional_variant_plays_on_biggans_networks_and_resumes_bitwise(string variant)
    {
        var config = Images(variant) with { Arch = BigGanNetworks.Name, Dim = 4 };
        var straight = TestRuns.Images(config, _images);
        Assert.Equal(4, straight.Players.Generator.Modules().OfType<ConditionalBatchNorm>().Count()); // two residual blocks, two each
        Assert.Single(straight.Players.Critic.Modules().OfType<ProjectionHead>());
        Assert.Equal(new Latent(BigGanNetworks.NoiseSize), straight.Latent);
        var initial = TestRuns.Weights(straight);
        var expected = Enumerable.Range(0, 5).Select(_ => straight.Step()).ToArray();
        Assert.All(expected, l => Assert.True(float.IsFinite(l.CriticLoss) && float.IsFinite(l.GLoss), $"{l}"));
        Assert.NotEqual(initial, TestRuns.Weights(straight));

        var first = TestRuns.Images(config, _images);
        for (int i = 0; i < 3; i++) first.Step();
        string path = Path.Combine(_dir, $"{variant}-biggan.safetensors");
        TestRuns.Save(first, path);
        var resumed = TestRuns.LoadImages(path, _images);
        for (int i = 3; i < 5; i++) Assert.Equal(expected[i], resumed.Step());
        Assert.Equal(TestRuns.State(straight).Select(t => t.Values), TestRuns.State(resumed).Select(t => t.Values));
    }

    [Fact]
    public void Cgan_plays_the_hinge_game_when_asked_and_the_cross_entropy_one_by_default()
    {
        var crossEntropy = TestRuns.Toy(Toy("cgan"));
        var hinge = TestRuns.Toy(Toy("cgan").WithOption(Cgan.Loss, "hinge"));
        Assert.Equal(TestRuns.Weights(crossEntropy), TestRuns.Weights(hinge)); // the same start
        var (a, b) = (crossEntropy.Step(), hinge.Step());
        // At the start D ≈ 0: cross-entropy ≈ 2·log 2 = 1.386, hinge ≈ relu(1) + relu(1) = 2.
        Assert.InRange(a.CriticLoss, 1.3f, 1.5f);
        Assert.InRange(b.CriticLoss, 1.9f, 2.1f);
        Assert.NotEqual(TestRuns.Weights(crossEntropy), TestRuns.Weights(hinge));
        var (code, _, err) = Gfs.Run("train", "cgan", "--loss", "wasserstein", "--iters", "1", "--out", Path.Combine(_dir, "bad-loss"));
        Assert.Equal(2, code);
        Assert.Contains("cross-entropy", err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad-loss")));
    }

    [Fact]
    public void Players_are_saved_by_role_with_their_label_embeddings_and_load_back()
    {
        var trainer = TestRuns.Images(Images("cgan"), _images);
        trainer.Step();
        string path = Path.Combine(_dir, "roles.safetensors");
        TestRuns.Save(trainer, path);
        var (tensors, meta) = SafeTensors.Load(path);
        // The generator's embedding has one number per class; the critic's is a 28×28 map per class.
        Assert.Equal([10, 10], tensors["generator.labels.weight"].Shape);
        Assert.Equal([10, 784], tensors["critic.labels.weight"].Shape);
        Assert.Equal([2, 2, 4, 4], tensors["critic.net.0.weight"].Shape); // the first convolution takes two channels: the image and the label's map
        Assert.Contains("optimizer.critic.labels.weight.exp_avg", tensors.Keys);
        Assert.Equal("1", meta["optimizer.generator.step"]);
        var loaded = TestRuns.LoadImages(path, _images);
        Assert.Equal(TestRuns.State(trainer).Select(t => t.Values), TestRuns.State(loaded).Select(t => t.Values));
    }

    [Fact]
    public void The_generator_is_asked_for_the_labels_and_class_acc_is_measured_on_toy_data()
    {
        var trainer = TestRuns.Toy(Toy("cgan") with { Dataset = "8gaussians" });
        var eval = ((ToyData)trainer.Data).Measure(trainer);
        Assert.NotNull(eval.ClassAccuracy);
        Assert.InRange(eval.ClassAccuracy!.Value, 0, 1);
        Assert.Equal(Enumerable.Range(0, 1024).Select(i => i % 8), eval.GeneratedLabels!);
        // Different labels give different samples from the same noise.
        using var scope = TensorScope.Begin();
        var a = trainer.Generate(4, new RandomStream(1), ToyData.Labels([0, 0, 0, 0])).ToArray();
        var b = trainer.Generate(4, new RandomStream(1), ToyData.Labels([5, 5, 5, 5])).ToArray();
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Image_grids_show_one_class_per_row_and_evaluations_measure_class_acc()
    {
        var trainer = TestRuns.Images(Images("cgan") with { SampleEvery = 1 }, _images, _images, new FeatureClassifier(new RandomStream(1)));
        trainer.Step();
        string grid = Path.Combine(_dir, "grid.png");
        ((ImageData)trainer.Data).SaveSampleGrid(trainer, grid);
        using var bitmap = SkiaSharp.SKBitmap.Decode(grid);
        // 10 rows (one per class) of 8 images of 28×28 drawn at scale 2 with 2-pixel gaps.
        Assert.Equal(8 * (2 * 28 + 2) + 2, bitmap.Width);
        Assert.Equal(10 * (2 * 28 + 2) + 2, bitmap.Height);
        var line = trainer.Data.Evaluate(trainer, _dir);
        Assert.InRange(line["class_acc"]!.GetValue<double>(), 0, 1);
        Assert.True(line["fd"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void Npy_files_follow_numpys_format()
    {
        string path = Path.Combine(_dir, "x.npy");
        var pixels = Enumerable.Range(0, 3 * 28 * 28).Select(i => (byte)(i % 251)).ToArray();
        Npy.Write(path, pixels, [3, 28, 28]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64); // the data starts 64-byte aligned
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header);
        Assert.Matches(@"^\{'descr': '\|u1', 'fortran_order': False, 'shape': \(3, 28, 28\), \} *\n$", header);
        Assert.Equal(pixels, bytes[(10 + headerLength)..]);

        string labels = Path.Combine(_dir, "x.labels.npy");
        Npy.Write(labels, [7L, 0, 9], [3]);
        var back = Npy.Read(labels);
        Assert.Equal("<i8", back.Descr);
        Assert.Equal([3], back.Shape);
        Assert.Equal([7f, 0, 9], back.Values);
        Assert.Matches(@"'shape': \(3,\)", Encoding.ASCII.GetString(File.ReadAllBytes(labels), 10, 60)); // a 1-tuple, as Python writes it
        Assert.Equal(pixels.Select(p => (float)p), Npy.Read(path).Values);
    }

    [Fact]
    public void Sample_writes_classes_as_asked_and_refuses_what_does_not_fit()
    {
        string run = Path.Combine(_dir, "run");
        string[] tiny = ["--dim", "2", "--batch-size", "4", "--threads", "1", "--dataset", "mnist", "--data", _dir];
        var (code, _, err) = Gfs.Run(["train", "cgan", "--iters", "1", "--out", run, .. tiny]);
        Assert.True(code == 0, err);
        string checkpoint = Path.Combine(run, TrainingRun.CheckpointFile);

        string npy = Path.Combine(_dir, "dresses.npy");
        (code, var output, err) = Gfs.Run("sample", "--checkpoint", checkpoint, "--class", "3", "5", "-n", "6", "--out", npy);
        Assert.True(code == 0, err);
        Assert.Equal([6, 28, 28], Npy.Read(npy).Shape);
        Assert.Equal([3f, 5, 3, 5, 3, 5], Npy.Read(Path.Combine(_dir, "dresses.labels.npy")).Values);

        var tooHigh = Gfs.Run("sample", "--checkpoint", checkpoint, "--class", "10", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, tooHigh.Code);
        Assert.Contains("--class 10: mnist has classes 0 to 9", tooHigh.Err);

        string plain = Path.Combine(_dir, "plain");
        Assert.Equal(0, Gfs.Run(["train", "gan", "--iters", "1", "--out", plain, .. tiny]).Code);
        var unconditional = Gfs.Run("sample", "--checkpoint", Path.Combine(plain, TrainingRun.CheckpointFile), "--class", "1", "--out", Path.Combine(_dir, "y.png"));
        Assert.Equal(2, unconditional.Code);
        Assert.Contains("unconditional gan run", unconditional.Err);
        Assert.False(File.Exists(Path.Combine(_dir, "x.png")) || File.Exists(Path.Combine(_dir, "y.png")));
    }

    [Theory]
    [MemberData(nameof(ConditionalVariants))]
    public void A_conditional_variant_refuses_data_without_labels(string variant)
    {
        var (code, _, err) = Gfs.Run("train", variant, "--dataset", "swissroll", "--out", Path.Combine(_dir, "roll"));
        Assert.Equal(2, code);
        Assert.Contains("swissroll has none", err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "roll")));
    }
}
