using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Tests;

/// <summary>Image GANs on a tiny synthetic dataset: every variant steps, resume is exact, the penalty refuses batch norm, samples and fd are written.</summary>
public sealed class ImageTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-img-").FullName;
    private readonly ImageDataset _data;

    public ImageTrainingTests()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        _data = FashionMnist.Load(_dir, train: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainConfig Config(string variant, string? arch = null) => TestRuns.Defaults(variant, "mnist") with
    {
        DataDir = _dir, Arch = arch, Dim = 2, BatchSize = 4, Iters = 10, Lr = 1e-3f, CriticIters = variant.StartsWith("wgan") ? 2 : 1, FdSamples = 8,
    };

    [Theory]
    [InlineData("gan")]
    [InlineData("dcgan")]
    [InlineData("lsgan")]
    [InlineData("wgan")]
    [InlineData("wgan-gp")]
    [InlineData("loss-sensitive")]
    public void Every_variant_takes_finite_steps_that_move_both_networks(string variant)
    {
        var trainer = TestRuns.Images(Config(variant), _data);
        var g0 = trainer.Players.Generator.Parameters().First().ToArray();
        var d0 = trainer.Players.Critic.Parameters().First().ToArray();
        for (int i = 0; i < 2; i++)
        {
            var losses = trainer.Step();
            Assert.True(float.IsFinite(losses.CriticLoss) && float.IsFinite(losses.GLoss), $"{variant}: {losses}");
        }
        Assert.NotEqual(g0, trainer.Players.Generator.Parameters().First().ToArray());
        Assert.NotEqual(d0, trainer.Players.Critic.Parameters().First().ToArray());
        using var scope = TensorScope.Begin();
        var images = trainer.Generate(3, new RandomStream(1));
        Assert.Equal([3, 1, 28, 28], images.Shape);
        Assert.All(images.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(variant.StartsWith("wgan") ? "gan-mnist" : "dcgan", trainer.Variant.DefaultArch);
        Assert.Equal(variant.StartsWith("wgan") ? 3 : 2, trainer.Players.Critic.Modules().OfType<Nn.Conv2d>().Count());
    }

    [Fact]
    public void A_penalty_critic_with_batch_norm_is_refused_saying_why()
    {
        var e = Assert.Throws<ArgumentException>(() => TestRuns.Images(Config("wgan-gp", arch: "dcgan"), _data));
        Assert.Contains("batch norm", e.Message);
        Assert.Contains("per-sample gradient penalty", e.Message);
    }

    [Theory]
    [InlineData("wgan-gp")]
    [InlineData("dcgan")]
    public void Resuming_a_checkpoint_continues_exactly_as_an_uninterrupted_run(string variant)
    {
        var straight = TestRuns.Images(Config(variant), _data);
        for (int i = 0; i < 7; i++) straight.Step(); // 7 × 4 images: crosses an epoch of 24

        var first = TestRuns.Images(Config(variant), _data);
        for (int i = 0; i < 5; i++) first.Step();
        string path = Path.Combine(_dir, "ck.safetensors");
        TestRuns.Save(first, path, 1.5);
        var resumed = TestRuns.LoadImages(path, _data);
        Assert.Equal(5, resumed.Iteration);
        for (int i = 0; i < 2; i++) resumed.Step();

        var expected = TestRuns.State(straight);
        var actual = TestRuns.State(resumed);
        Assert.Equal(expected.Select(t => t.Name), actual.Select(t => t.Name));
        if (variant == "dcgan") Assert.Contains(expected, t => t.Name.EndsWith("running_var"));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].Values, actual[i].Values);
    }

    [Fact]
    public void Pictures_and_measures_are_written()
    {
        var trainer = TestRuns.Images(Config("wgan-gp") with { SampleEvery = 1 }, _data, _data, new FeatureClassifier(new RandomStream(1)));
        Directory.CreateDirectory(Path.Combine(_dir, TrainingRun.FramesFolder));
        trainer.Step();
        trainer.Data.AfterStep(trainer, _dir);
        var png = File.ReadAllBytes(TrainingRun.FramePath(_dir, 1));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var line = trainer.Data.Evaluate(trainer, _dir);
        Assert.True(line["fd"]!.GetValue<double>() > 0);
        Assert.InRange(line["score"]!.GetValue<double>(), 1, 10);
        Assert.True(line["grad_norm"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void The_real_images_against_themselves_have_fd_zero_and_accuracy_counts_the_most_probable_class()
    {
        var classifier = new FeatureClassifier(new RandomStream(4));
        var quality = new ImageQuality(classifier, _data, 24);
        var (fd, score, _) = quality.Measure((start, n) => _data.Batch(start, n));
        Assert.Equal(0, fd, 1e-6);
        Assert.InRange(score, 1, 10);

        var (_, p) = classifier.Describe(_data.Count, (start, n) => _data.Batch(start, n));
        int expected = Enumerable.Range(0, _data.Count).Count(i =>
        {
            var row = p.AsSpan(i * 10, 10).ToArray();
            return Array.IndexOf(row, row.Max()) == _data.Labels[i];
        });
        Assert.Equal((double)expected / _data.Count, classifier.Accuracy(_data));
    }
}
