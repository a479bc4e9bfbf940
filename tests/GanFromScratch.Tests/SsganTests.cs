using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// The semi-supervised GAN: its defaults and networks; the labelled subset (balanced, seeded, and
/// the only labels the training reads); the noise layers and weight normalization; resume; the
/// supervised baseline; the refusals. Its losses are checked against PyTorch in ImageOpGoldenTests
/// (ssgan_*) and by finite differences in OpGradientTests.
/// </summary>
public sealed class SsganTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-ssgan-").FullName;
    private readonly ImageDataset _images;

    public SsganTests()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        _images = FashionMnist.Load(_dir, train: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainConfig Small(int perClass = 1) => TestRuns.Defaults("ssgan", "mnist") with
    {
        DataDir = _dir, Dim = 4, BatchSize = 4, Iters = 10,
        Options = new Dictionary<string, JsonElement> { ["labels_per_class"] = JsonSerializer.SerializeToElement(perClass) },
    };

    private Trainer Make(TrainConfig? config = null, ImageDataset? train = null) => TestRuns.Images(config ?? Small(), train ?? _images, _images);

    [Theory]
    [InlineData("critic")]
    [InlineData("both")]
    public void Spectral_norm_of_the_weight_normalized_critic_is_refused_not_ignored(string choice)
    {
        var e = Assert.Throws<ArgumentException>(() => Make(Small() with { SpectralNorm = choice }));
        Assert.Contains("ssgan's critic has no linear or convolution layer to normalize", e.Message);
        var generatorOnly = Make(Small() with { SpectralNorm = "generator" }); // its two Linear layers
        Assert.Equal(2, generatorOnly.Players.Generator.Modules().OfType<Linear>().Count(l => l.SpectralNorm is not null));
    }

    [Fact]
    public void The_defaults_are_the_authors_and_the_critic_is_a_classifier_of_the_classes()
    {
        var config = TestRuns.Defaults("ssgan", "fashion-mnist");
        Assert.Equal((3e-3f, 0.5f, 0.999f, 100, 1), (config.Lr, config.Beta1, config.Beta2, config.BatchSize, config.CriticIters));
        Assert.Equal(100, config.Rules.LabelsPerClass(config));
        var trainer = Make();
        Assert.Equal(new Latent(100, NoiseDistribution.Uniform), trainer.Latent);
        var state = TestRuns.State(trainer).ToDictionary(t => t.Name, t => t.Values);
        // DIM 4 of 64: the authors' widths 1000, 500, 250 scaled by 1/16.
        Assert.Equal(62 * 784, state["critic.body.2.weight_v"].Length);
        Assert.Equal(62, state["critic.body.2.weight_g"].Length);
        Assert.Equal(10 * 15, state["critic.head.1.weight_v"].Length); // 10 class logits; the fake class's is the constant 0
        using (TensorScope.Begin())
            Assert.Equal([3, 10], trainer.Players.Critic.Forward(_images.Batch(0, 3)).Shape);
    }

    [Fact]
    public void The_labelled_subset_is_balanced_seeded_and_of_the_images_own_labels()
    {
        var a = _images.BalancedSubset(2, 7);
        Assert.Equal(20, a.Length);
        Assert.Equal(a.Distinct().Count(), a.Length);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(2, a.Count(i => _images.Labels[i] == c)));
        Assert.Equal(a, _images.BalancedSubset(2, 7));
        Assert.NotEqual(a, _images.BalancedSubset(2, 8)); // 24 images: classes 0–3 hold 3, so another key picks others

        // The run's batches of labelled images come from the subset alone, with the subset's labels.
        var data = new ImageData(Small(1), _images, _images);
        var subset = _images.BalancedSubset(1, Small(1).Stream(19).Seed).ToHashSet();
        for (int k = 0; k < 6; k++)
        {
            var (images, labels) = data.NextLabelled(4);
            var pixels = images.ToArray();
            var y = labels.ToArray();
            for (int i = 0; i < 4; i++)
            {
                int index = Enumerable.Range(0, _images.Count).Single(j =>
                    _images.Pixels.AsSpan(j * 784, 784).SequenceEqual(pixels.AsSpan(i * 784, 784)));
                Assert.Contains(index, subset);
                Assert.Equal(_images.Labels[index], (byte)y[i]);
            }
        }
    }

    /// <summary>
    /// The reference code this follows fed every label to its loss by mistake: here the labels of
    /// the images outside the subset are changed (to classes that do not alter which images the
    /// subset picks), and training is the same to the last bit.
    /// </summary>
    [Fact]
    public void No_label_outside_the_subset_reaches_the_loss()
    {
        var config = Small(1);
        ulong key = config.Stream(19).Seed;
        var subset = _images.BalancedSubset(1, key);
        var order = EpochOrder.Permutation(_images.Count, key);
        int Position(int i) => Array.IndexOf(order, i);
        var lastPicked = Enumerable.Range(0, 10).Select(c => subset.Where(i => _images.Labels[i] == c).Max(Position)).ToArray();
        var labels = (byte[])_images.Labels.Clone();
        int changed = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (subset.Contains(i)) continue;
            // Another class whose picked images all come before image i in the order: the subset stays as it is.
            int other = Enumerable.Range(1, 9).Select(d => (labels[i] + d) % 10).FirstOrDefault(c => lastPicked[c] < Position(i), -1);
            if (other < 0) continue;
            labels[i] = (byte)other;
            changed++;
        }
        Assert.True(changed >= 10, $"only {changed} labels changed");
        var relabelled = new ImageDataset("relabelled", _images.Pixels, labels, 28, 28);
        Assert.Equal(subset, relabelled.BalancedSubset(1, key));

        var (a, b) = (Make(config), Make(config, relabelled));
        for (int i = 0; i < 4; i++) Assert.Equal(a.Step(), b.Step());
        Assert.Equal(TestRuns.Weights(a), TestRuns.Weights(b));
    }

    [Fact]
    public void A_resumed_run_equals_an_uninterrupted_one_bitwise_noise_layers_included()
    {
        var straight = Make();
        var expected = Enumerable.Range(0, 7).Select(_ => straight.Step()).ToArray();
        var first = Make();
        for (int i = 0; i < 3; i++) first.Step();
        string path = Path.Combine(_dir, "ss.safetensors");
        TestRuns.Save(first, path);
        Assert.Contains("rng.critic.0", Nn.SafeTensors.ReadMetadata(path).Keys); // the critic's noise stream
        Assert.Contains("data.labelled_position", Nn.SafeTensors.ReadMetadata(path).Keys);
        var resumed = TestRuns.LoadImages(path, _images);
        for (int i = 3; i < 7; i++) Assert.Equal(expected[i], resumed.Step());
        Assert.Contains(TestRuns.State(resumed), t => t.Name.StartsWith(Roles.CriticAverage + ".", StringComparison.Ordinal)); // the average resumes too
        Assert.Equal(TestRuns.State(straight).Select(t => t.Values), TestRuns.State(resumed).Select(t => t.Values));
    }

    [Fact]
    public void Gaussian_noise_is_drawn_in_training_only_and_a_weight_normalized_layer_starts_as_its_direction()
    {
        var noise = new GaussianNoise(0.5f, new RandomStream(3));
        var x = Tensor.Full([200, 50], 1f);
        var noisy = noise.Forward(x).ToArray();
        double mean = noisy.Average(), sd = Math.Sqrt(noisy.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, 0.98, 1.02);
        Assert.InRange(sd, 0.48, 0.52);
        noise.Eval();
        Assert.Equal(x.ToArray(), noise.Forward(x).ToArray());

        var layer = new WeightNormLinear(6, 3, new RandomStream(4));
        var v = layer.Direction.ToArray();
        var w = layer.Weight.ToArray();
        for (int i = 0; i < v.Length; i++) Assert.Equal(v[i], w[i], 1e-6f);
        Assert.Equal(["weight_v", "weight_g", "bias"], layer.NamedParameters().Select(p => p.Name));
    }

    [Fact]
    public void A_data_dependent_initialisation_standardizes_the_layers_outputs_on_its_batch()
    {
        const int n = 40, inputs = 7, units = 5;
        var layer = new WeightNormLinear(inputs, units, new RandomStream(2), 0.1f, learnLength: false);
        var x = Tensor.Randn([n, inputs], new RandomStream(3), 0.5f, 2f);
        var (xs, v) = (x.ToArray(), layer.Direction.ToArray());
        var returned = layer.InitializeFromData(x).ToArray();

        // By hand, in double: t = x·(v/‖v‖)ᵀ, then g = 1/σ and b = −μ/σ per unit (σ over the batch, not Bessel-corrected).
        var (g, b) = (layer.Length.ToArray(), layer.Bias!.ToArray());
        for (int j = 0; j < units; j++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, inputs).Sum(k => (double)v[j * inputs + k] * v[j * inputs + k]));
            var t = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, inputs).Sum(k => (double)xs[i * inputs + k] * v[j * inputs + k]) / norm).ToArray();
            double mean = t.Average(), sigma = Math.Sqrt(t.Average(u => (u - mean) * (u - mean)));
            Assert.Equal(1 / sigma, g[j], 1e-5 / sigma);
            Assert.Equal(-mean / sigma, b[j], 1e-5 * (1 + Math.Abs(mean / sigma)));
        }
        // Its outputs on that batch now have mean 0 and standard deviation 1, and are what it returned for the next layer.
        var y = layer.Forward(x).ToArray();
        for (int j = 0; j < units; j++)
        {
            var column = Enumerable.Range(0, n).Select(i => (double)y[i * units + j]).ToArray();
            double mean = column.Average();
            Assert.Equal(0, mean, 1e-5);
            Assert.Equal(1, Math.Sqrt(column.Average(u => (u - mean) * (u - mean))), 1e-4);
        }
        for (int i = 0; i < y.Length; i++) Assert.Equal(y[i], returned[i], 1e-5f);
        // Its length is a buffer: saved with the layer, never trained.
        Assert.Equal(["weight_v", "bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.Equal(["weight_g"], layer.NamedBuffers().Select(p => p.Name));
        // A unit whose pre-activations do not vary over the batch cannot be standardized.
        var same = Tensor.FromArray([.. Enumerable.Repeat(xs.Take(inputs), 4).SelectMany(r => r)], 4, inputs);
        Assert.Throws<ArgumentException>(() => layer.InitializeFromData(same));
    }

    [Fact]
    public void The_authors_critic_starts_from_seeded_training_images_with_fixed_hidden_lengths_and_norm_as_before()
    {
        var trainer = Make(); // the default: --critic-init authors
        Assert.Equal(Ssgan.AuthorsInit, Ssgan.CriticInit.Of(trainer.Config));
        var critic = (FeatureCritic)trainer.Players.Critic;
        var layers = critic.Body.Layers.Concat(critic.Head.Layers).OfType<WeightNormLinear>().ToList();
        Assert.All(layers.SkipLast(1), l => Assert.False(l.LearnsLength));
        Assert.True(layers[^1].LearnsLength); // the class logits learn their length (the authors' train_scale=True)
        Assert.DoesNotContain(critic.NamedParameters(), p => p.Name.StartsWith("body.", StringComparison.Ordinal) && p.Name.EndsWith(".weight_g", StringComparison.Ordinal));

        // What the trainer did: the critic as created, initialised on the first images of the permutation of stream 23.
        var config = trainer.Config;
        var players = config.Rules.CreatePlayers(new NetworkBuilder(config, DataShape.Of(config), config.Stream(0)));
        var byHand = (FeatureCritic)players.Critic;
        var before = byHand.NamedState().Select(s => s.Value.ToArray()).ToList();
        var order = EpochOrder.Permutation(_images.Count, config.Stream(23).Seed);
        SsganNetworks.InitializeFromData(byHand, _images.Batch(order.AsSpan(0, Math.Min(SsganNetworks.InitImages, _images.Count))));
        Assert.Equal(byHand.NamedState().Select(s => s.Value.ToArray()), critic.NamedState().Select(s => s.Value.ToArray()));
        Assert.NotEqual(before, critic.NamedState().Select(s => s.Value.ToArray()).ToList());
        // The running average keeps the fixed lengths (not averaged, as the authors average trainable parameters only), its parameters start at 0.
        var average = trainer.Players[Roles.CriticAverage].Network;
        Assert.Equal(critic.NamedBuffers().Select(b => b.Value.ToArray()), average.NamedBuffers().Select(b => b.Value.ToArray()));
        Assert.All(average.Parameters(), p => Assert.All(p.ToArray(), v => Assert.Equal(0f, v)));
        // The baseline starts its critic the same way.
        Assert.Equal(Ssgan.SupervisedBaseline(config with { Iters = 2 }, _images, _images), Ssgan.SupervisedBaseline(config with { Iters = 2 }, _images, _images));

        // norm: every length learned, g = ‖v‖ as created, nothing read from the data.
        var norm = Make(Small().WithOption(Ssgan.CriticInit, Ssgan.NormInit));
        var normCritic = (FeatureCritic)norm.Players.Critic;
        Assert.All(normCritic.Body.Layers.OfType<WeightNormLinear>(), l => Assert.True(l.LearnsLength));
        var created = norm.Config.Rules.CreatePlayers(new NetworkBuilder(norm.Config, DataShape.Of(norm.Config), norm.Config.Stream(0))).Critic;
        Assert.Equal(created.NamedState().Select(s => s.Value.ToArray()), normCritic.NamedState().Select(s => s.Value.ToArray()));
    }

    /// <summary><paramref name="run"/> saved as a gfs from before the option <paramref name="key"/> would have saved it (its configuration without it), and resumed.</summary>
    private Trainer ResumedWithout(Trainer run, string key)
    {
        string path = Path.Combine(_dir, $"before-{key}.safetensors");
        TestRuns.Save(run, path);
        TestRuns.Edit(path, (_, meta) =>
        {
            var config = System.Text.Json.Nodes.JsonNode.Parse(meta["config"])!;
            Assert.True(config["options"]!.AsObject().Remove(key));
            meta["config"] = config.ToJsonString();
        });
        return TestRuns.LoadImages(path, _images);
    }

    [Fact]
    public void A_checkpoint_saved_before_the_authors_initialisation_resumes_with_norm()
    {
        var old = Make(Small().WithOption(Ssgan.CriticInit, Ssgan.NormInit));
        old.Step();
        var resumed = ResumedWithout(old, Ssgan.CriticInit.Key);
        Assert.Equal(Ssgan.NormInit, Ssgan.CriticInit.Of(resumed.Config));
        // Its config.json, read for a rerun (gfs train --config) or a listing, likewise.
        var saved = System.Text.Json.Nodes.JsonNode.Parse(old.Config.ToJson())!;
        Assert.True(saved["options"]!.AsObject().Remove(Ssgan.CriticInit.Key));
        string file = Path.Combine(_dir, "config-before.json");
        File.WriteAllText(file, saved.ToJsonString());
        Assert.Equal(Ssgan.NormInit, Ssgan.CriticInit.Of(TrainConfig.ReadFile(file)));
        Assert.Equal(Ssgan.AuthorsInit, Ssgan.CriticInit.Of(Small())); // new runs: the authors' start
        for (int i = 0; i < 2; i++) Assert.Equal(old.Step(), resumed.Step());
        Assert.Equal(TestRuns.State(old).Select(t => t.Values), TestRuns.State(resumed).Select(t => t.Values));
    }

    [Fact]
    public void Accuracy_counts_the_largest_logit_against_the_label()
    {
        var logits = Tensor.FromArray([0.1f, 0.9f, 0f, 2f, -1f, 0f, 0f, 0f, 3f, 0.5f, 0.4f, 0.3f], 4, 3);
        Assert.Equal(0.75, Ssgan.Accuracy(new Sequential(), logits, [1, 0, 2, 1]));
    }

    [Fact]
    public void Training_reports_test_acc_and_the_baseline_trains_the_same_critic_on_the_labelled_images_alone()
    {
        string run = Path.Combine(_dir, "run");
        string[] tiny = ["--dataset", "mnist", "--data", _dir, "--dim", "4", "--batch-size", "4", "--labels-per-class", "1", "--threads", "1"];
        var (code, _, err) = Gfs.Run(["train", "ssgan", .. tiny, "--iters", "3", "--eval-every", "3", "--out", run]);
        Assert.True(code == 0, err);
        var last = JsonDocument.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Last()).RootElement;
        Assert.InRange(last.GetProperty("test_acc").GetDouble(), 0, 1);
        Assert.InRange(last.GetProperty("test_acc_avg").GetDouble(), 0, 1);

        string json = Path.Combine(_dir, "baseline.json");
        (code, _, err) = Gfs.Run(["train", "classifier", "--arch", "ssgan", .. tiny, "--iters", "5", "--out", json]);
        Assert.True(code == 0, err);
        var result = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var config = Small(1) with { Iters = 5, Seed = 1 };
        var expected = Ssgan.SupervisedBaseline(config, _images, FashionMnist.Load(_dir, train: false));
        Assert.Equal(Math.Round(expected.Accuracy, 6), result.GetProperty("test_acc").GetDouble());
        Assert.Equal(Math.Round(expected.AverageAccuracy!.Value, 6), result.GetProperty("test_acc_avg").GetDouble());
        Assert.Equal(1, result.GetProperty("labels_per_class").GetInt32());
        Assert.Equal(Ssgan.AuthorsInit, result.GetProperty("critic_init").GetString());
        (code, _, err) = Gfs.Run(["train", "classifier", "--arch", "ssgan", .. tiny, "--iters", "5", "--critic-init", "norm", "--out", json]);
        Assert.True(code == 0, err);
        result = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(Ssgan.NormInit, result.GetProperty("critic_init").GetString());
        var norm = Ssgan.SupervisedBaseline(config.WithOption(Ssgan.CriticInit, Ssgan.NormInit), _images, FashionMnist.Load(_dir, train: false));
        Assert.Equal(Math.Round(norm.AverageAccuracy!.Value, 6), result.GetProperty("test_acc_avg").GetDouble());

        // Another rate of the average, as a GAN run with that --critic-average keeps it; an impossible one refused, nothing written.
        (code, _, err) = Gfs.Run(["train", "classifier", "--arch", "ssgan", .. tiny, "--iters", "5", "--critic-average", "0.5", "--out", json]);
        Assert.True(code == 0, err);
        result = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(0.5, result.GetProperty("critic_average").GetDouble());
        var half = Ssgan.SupervisedBaseline(config.WithOption(Ssgan.CriticAverage, 0.5f), _images, FashionMnist.Load(_dir, train: false));
        Assert.Equal(Math.Round(half.AverageAccuracy!.Value, 6), result.GetProperty("test_acc_avg").GetDouble());
        File.Delete(json);
        (code, _, err) = Gfs.Run(["train", "classifier", "--arch", "ssgan", .. tiny, "--iters", "5", "--critic-average", "1", "--out", json]);
        Assert.Equal(2, code);
        Assert.Contains("--critic-average must be a rate in [0, 1)", err);
        Assert.False(File.Exists(json));
    }

    private TrainConfig WithAverage(float rate) => Small().WithOption(Ssgan.CriticAverage, rate);

    [Fact]
    public void The_critic_average_follows_the_critic_without_changing_the_run_and_is_read_without_its_bias()
    {
        const float rate = 0.25f;
        var (averaged, plain) = (Make(WithAverage(rate)), Make(WithAverage(0f)));
        Assert.Null(plain.Players.Find(Roles.CriticAverage));
        var average = averaged.Players[Roles.CriticAverage].Network;
        Assert.All(average.Parameters(), p => Assert.All(p.ToArray(), v => Assert.Equal(0f, v))); // a = 0, as the authors start it

        // The average never feeds back: the same losses and the same critic and generator, to the bit.
        var expected = new double[average.Parameters().Sum(p => p.Size)];
        for (int t = 1; t <= 3; t++)
        {
            Assert.Equal(plain.Step(), averaged.Step());
            var theta = averaged.Players.Critic.Parameters().SelectMany(p => p.ToArray()).ToArray();
            for (int i = 0; i < expected.Length; i++) expected[i] += rate * (theta[i] - expected[i]); // a ← a + r(θ − a)
        }
        Assert.Equal(plain.Players.All.Take(2).SelectMany(p => p.Network.Parameters()).SelectMany(p => p.ToArray()),
            averaged.Players.All.Take(2).SelectMany(p => p.Network.Parameters()).SelectMany(p => p.ToArray()));
        var a = average.Parameters().SelectMany(p => p.ToArray()).ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], 1e-5 * (1 + Math.Abs(expected[i])));

        // Read as a/(1 − (1 − r)³) — after three steps the weights r(1 − r)^(3−s) sum to 1 − (1 − r)³ — and left as it was.
        var read = Ssgan.ReadingAverage(average, rate, 3, () => average.Parameters().SelectMany(p => p.ToArray()).ToArray());
        double sum = 1 - Math.Pow(1 - rate, 3);
        for (int i = 0; i < a.Length; i++) Assert.Equal(expected[i] / sum, read[i], 1e-5 * (1 + Math.Abs(expected[i] / sum)));
        Assert.Equal(a, average.Parameters().SelectMany(p => p.ToArray()));
        var (images, labels) = (_images.Batch(0, 24), _images.Labels.Select(l => (int)l).ToArray());
        Assert.Contains(("test_acc_avg", Ssgan.ReadingAverage(average, rate, 3, () => Ssgan.Accuracy(average, images, labels))),
            averaged.Variant.Measure(averaged));
    }

    [Fact]
    public void A_checkpoint_saved_before_the_critic_average_resumes_without_one()
    {
        var old = Make(WithAverage(0f));
        old.Step();
        var resumed = ResumedWithout(old, Ssgan.CriticAverage.Key);
        Assert.Equal(0f, Ssgan.CriticAverage.Of(resumed.Config));
        Assert.Null(resumed.Players.Find(Roles.CriticAverage));
        Assert.Equal(old.Step(), resumed.Step());
        Assert.Equal(1e-4f, Ssgan.CriticAverage.Of(TestRuns.Defaults("ssgan", "fashion-mnist"))); // new runs: the authors' rate
    }

    [Theory]
    [InlineData("--critic-init", "data", "Argument 'data' not recognized. Must be one of")]
    [InlineData("--critic-average", "1", "--critic-average must be a rate in [0, 1)")]
    [InlineData("--critic-average", "-0.1", "--critic-average must be a rate in [0, 1)")]
    [InlineData("--labels-per-class", "0", "--labels-per-class must be a whole number ≥ 1")]
    [InlineData("--labels-per-class", "4", "--labels-per-class 4 is more than")]
    [InlineData("--labels-per-class", "1", "fewer than a batch")]
    [InlineData("--dataset", "swissroll", "ssgan trains on 28×28 images")]
    [InlineData("--arch", "dcgan", "ssgan has no architecture 'dcgan'")]
    public void Impossible_labels_and_data_are_refused_before_anything_is_written(string option, string value, string expected)
    {
        string run = Path.Combine(_dir, "refused");
        string[] data = option == "--dataset" ? [] : ["--dataset", "mnist", "--data", _dir];
        string[] batch = option == "--dataset" ? [] : ["--batch-size", value == "1" ? "16" : "4"];
        var (code, _, err) = Gfs.Run(["train", "ssgan", .. data, .. batch, option, value, "--out", run]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_resume_keeps_the_labelled_subset_and_the_cnn_classifier_refuses_ssgan_options()
    {
        string run = Path.Combine(_dir, "keep");
        string[] tiny = ["--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--threads", "1"];
        Assert.Equal(0, Gfs.Run(["train", "ssgan", .. tiny, "--labels-per-class", "1", "--iters", "2", "--out", run]).Code);
        var before = File.ReadAllBytes(Path.Combine(run, TrainingRun.CheckpointFile));
        var (code, _, err) = Gfs.Run(["train", "ssgan", "--out", run, "--resume", "--iters", "4", "--labels-per-class", "2"]);
        Assert.Equal(2, code);
        Assert.Contains("a resumed run keeps the data it learns from", err);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run, TrainingRun.CheckpointFile)));
        (code, _, err) = Gfs.Run(["train", "ssgan", "--out", run, "--resume", "--iters", "4", "--critic-average", "0.001"]);
        Assert.Equal(2, code);
        Assert.Contains("trained with --critic-average 0.0001, not 0.001", err);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run, TrainingRun.CheckpointFile)));
        (code, _, err) = Gfs.Run(["train", "ssgan", "--out", run, "--resume", "--iters", "4", "--critic-init", "norm"]);
        Assert.Equal(2, code);
        Assert.Contains("trained with --critic-init authors, not norm", err);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(run, TrainingRun.CheckpointFile)));

        var cnn = Gfs.Run("train", "classifier", "--dataset", "mnist", "--data", _dir, "--labels-per-class", "1");
        Assert.Equal(2, cnn.Code);
        Assert.Contains("--labels-per-class belongs to --arch ssgan", cnn.Err);
        cnn = Gfs.Run("train", "classifier", "--dataset", "mnist", "--data", _dir, "--critic-init", "norm");
        Assert.Equal(2, cnn.Code);
        Assert.Contains("--critic-init belongs to --arch ssgan", cnn.Err);
    }
}
