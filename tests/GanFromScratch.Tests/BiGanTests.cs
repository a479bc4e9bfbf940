using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;
using GanFromScratch.Gan.Metrics;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// BiGAN: its players and which of them each step trains; the pair critic's derivatives; the
/// representation measures on data whose answers are known; resume; the reconstructions and
/// <c>gfs encode</c>, with its refusals.
/// </summary>
public sealed class BiGanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-bigan-").FullName;
    private readonly ImageDataset _images;

    public BiGanTests()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        _images = FashionMnist.Load(_dir, train: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainConfig SmallImages() => TestRuns.Defaults("bigan", "mnist") with { DataDir = _dir, Dim = 2, BatchSize = 4, Iters = 10 };

    private static TrainConfig SmallToy() => TestRuns.Defaults("bigan") with { Dim = 8, BatchSize = 16, Iters = 10 };

    private Trainer MakeImages(TrainConfig? config = null) => TestRuns.Images(config ?? SmallImages(), _images, _images);

    private static float[] Weights(Module net) => [.. net.Parameters().SelectMany(p => p.ToArray())];

    [Fact]
    public void The_defaults_are_the_authors_and_the_three_players_are_there()
    {
        var config = TestRuns.Defaults("bigan", "fashion-mnist");
        Assert.Equal((2e-4f, 2e-4f, 2e-4f, 0.5f, 0.999f, 128),
            (config.LrFor(Roles.Generator), config.LrFor(Roles.Critic), config.LrFor(Roles.Encoder), config.Beta1, config.Beta2, config.BatchSize));
        var trainer = MakeImages();
        Assert.Equal(new Latent(50, NoiseDistribution.Uniform), trainer.Latent);
        Assert.Equal(2e-4f, trainer.Players[Roles.Encoder].Optimizer!.LearningRate);
        var state = TestRuns.State(trainer).ToDictionary(t => t.Name, t => t.Values);
        Assert.Equal(50 * 16 * 2, state["critic.z.0.weight"].Length); // z's projection into the critic's 16·DIM hidden units
        Assert.DoesNotContain("critic.z.0.bias", state.Keys); // the body's layer already has a bias
        Assert.Equal(16 * 2 * 50, state["encoder.6.weight"].Length); // E's last layer: 16·DIM → z
        Assert.Equal(784 * 16 * 2, state["generator.6.weight"].Length);
    }

    [Fact]
    public void The_generator_step_trains_generator_and_encoder_against_a_fixed_critic_and_the_critic_step_the_critic_alone()
    {
        var trainer = TestRuns.Toy(SmallToy());
        var (g, d, e) = (trainer.Players.Generator, trainer.Players.Critic, BiGan.Encoder(trainer.Game));
        var random = new RandomStream(5);
        var real = trainer.Data.Labelled(16)!.Value.Samples;
        Batch NewBatch() => new(Tensor.Rand([16, 2], random) * 2f - 1f) { Real = real };

        var (g0, d0, e0) = (Weights(g), Weights(d), Weights(e));
        using (TensorScope.Begin()) trainer.GeneratorStep(NewBatch());
        Assert.NotEqual(g0, Weights(g));
        Assert.NotEqual(e0, Weights(e)); // the encoder learns in the generator step, from the real samples
        Assert.Equal(d0, Weights(d));

        var (g1, d1, e1) = (Weights(g), Weights(d), Weights(e));
        using (TensorScope.Begin()) trainer.CriticStep(NewBatch());
        Assert.Equal(g1, Weights(g));
        Assert.Equal(e1, Weights(e));
        Assert.NotEqual(d1, Weights(d));
    }

    /// <summary>
    /// The pair critic with smooth activations (tanh; batch norm in training mode) so that central
    /// differences hold everywhere: first and second derivatives with respect to the sample and
    /// the latent vector, the latter's path running through the projection.
    /// </summary>
    [Fact]
    public void The_pair_critic_passes_gradcheck_and_gradgradcheck_in_the_sample_and_the_latent_vector()
    {
        var init = new RandomStream(11);
        var critic = new PairCritic(
            new Sequential(new Linear(3, 5, init), new Tanh(), new Linear(5, 4, init)),
            new Sequential(new Linear(2, 4, init, bias: false)),
            new Sequential(new BatchNorm(4), new Tanh(), new Linear(4, 1, init)));
        var x = Tensor.Randn([6, 3], new RandomStream(12));
        var z = Tensor.Rand([6, 2], new RandomStream(13)) * 2f - 1f;
        GradCheck.Check(t => critic.Forward(t[0], t[1]), x, z);
        GradCheck.CheckSecondOrder(t => critic.Forward(t[0], t[1]), x, z);
        Assert.Throws<InvalidOperationException>(() => critic.Forward(x));
    }

    [Fact]
    public void The_pair_critics_weight_gradients_match_finite_differences()
    {
        var init = new RandomStream(21);
        var critic = new PairCritic(
            new Sequential(new Linear(3, 4, init), new Tanh(), new Linear(4, 4, init)),
            new Sequential(new Linear(2, 4, init, bias: false)),
            new Sequential(new Tanh(), new Linear(4, 1, init)));
        var x = Tensor.Randn([5, 3], new RandomStream(22));
        var z = Tensor.Randn([5, 2], new RandomStream(23));
        var parameters = critic.Parameters().ToArray();
        float Loss() { using var _ = Autograd.NoGrad(); return (critic.Forward(x, z) * critic.Forward(x, z)).Sum().Item(); }
        var analytic = Autograd.Grad([(critic.Forward(x, z) * critic.Forward(x, z)).Sum()], parameters);
        for (int p = 0; p < parameters.Length; p++)
        {
            var values = parameters[p].ToArray();
            var grad = analytic[p]!.ToArray();
            for (int j = 0; j < values.Length; j++)
            {
                float saved = values[j];
                values[j] = saved + GradCheck.Step; parameters[p].Load(values);
                float plus = Loss();
                values[j] = saved - GradCheck.Step; parameters[p].Load(values);
                float minus = Loss();
                values[j] = saved; parameters[p].Load(values);
                double numeric = (plus - minus) / (2.0 * GradCheck.Step);
                Assert.True(Math.Abs(grad[j] - numeric) <= GradCheck.AbsTol + GradCheck.RelTol * Math.Abs(numeric),
                    $"parameter {p} element {j}: analytic {grad[j]:G6}, numeric {numeric:G6}");
            }
        }
    }

    [Fact]
    public void Nearest_neighbour_accuracy_reads_the_label_of_the_closest_reference()
    {
        float[] reference = [0, 0, 10, 0, 0, 10];
        int[] referenceLabels = [0, 1, 2];
        float[] queries = [1, 1, 9, 1, 1, 8, 6, 0];
        Assert.Equal(1.0, Representation.NearestNeighbourAccuracy(reference, referenceLabels, queries, [0, 1, 2, 1], 2));
        Assert.Equal(0.5, Representation.NearestNeighbourAccuracy(reference, referenceLabels, queries, [0, 1, 0, 0], 2));
    }

    [Fact]
    public void The_probe_is_linear_it_separates_what_a_line_separates_and_not_xor()
    {
        var random = new RandomStream(31);
        int n = 200;
        var points = Tensor.Randn([n, 2], random).ToArray();
        int[] byLine = [.. Enumerable.Range(0, n).Select(i => points[2 * i] + 0.5f * points[2 * i + 1] > 0 ? 1 : 0)];
        Assert.True(Representation.ProbeAccuracy(points, byLine, points, byLine, 2, 2) >= 0.97);
        int[] xor = [.. Enumerable.Range(0, n).Select(i => points[2 * i] * points[2 * i + 1] > 0 ? 1 : 0)];
        // The best line gets about 3/4 of XOR's quadrants; a probe that bent would reach 1.
        Assert.InRange(Representation.ProbeAccuracy(points, xor, points, xor, 2, 2), 0.3, 0.8);
    }

    [Fact]
    public void The_reconstruction_ratio_is_zero_for_copies_and_one_for_a_constant()
    {
        float[] samples = [0, 0, 3, 4, 6, 8, 1, 7];
        Assert.Equal(0.0, Representation.ReconstructionRatio(samples, samples, 2));
        float[] constant = [1, 1, 1, 1, 1, 1, 1, 1];
        Assert.Equal(1.0, Representation.ReconstructionRatio(samples, constant, 2), 12);
        // Each reconstruction the next sample's: every one is as far as a stranger's.
        float[] shifted = [3, 4, 6, 8, 1, 7, 0, 0];
        Assert.True(Representation.ReconstructionRatio(samples, shifted, 2) > 1);
    }

    [Fact]
    public void The_measures_are_in_range_and_the_baselines_do_not_move_with_training()
    {
        var trainer = TestRuns.Toy(SmallToy());
        var before = trainer.Variant.Measure(trainer).ToDictionary(m => m.Name, m => m.Value);
        Assert.Equal(trainer.Variant.MeasureNames, before.Keys);
        for (int i = 0; i < 5; i++) trainer.Step();
        var after = trainer.Variant.Measure(trainer).ToDictionary(m => m.Name, m => m.Value);
        foreach (var name in new[] { "nn_acc_random", "nn_acc_pixels", "probe_acc_random", "probe_acc_pixels", "recon_random" })
            Assert.Equal(before[name], after[name]);
        Assert.NotEqual(before["nn_acc"], after["nn_acc"]);
        foreach (var name in new[] { "nn_acc", "nn_acc_random", "nn_acc_pixels", "probe_acc", "probe_acc_random", "probe_acc_pixels" })
            Assert.InRange(after[name], 0, 1);
        Assert.True(after["nn_acc_pixels"] > 0.95, $"nn_acc_pixels {after["nn_acc_pixels"]}"); // 8 well separated modes: a point's nearest neighbour is of its mode
        Assert.True(after["recon"] > 0 && after["recon_random"] > 0);
    }

    [Fact]
    public void A_resumed_run_equals_an_uninterrupted_one_bitwise_on_toy_data_and_images()
    {
        foreach (bool images in new[] { false, true })
        {
            Trainer Make() => images ? MakeImages() : TestRuns.Toy(SmallToy());
            var straight = Make();
            var expected = Enumerable.Range(0, 6).Select(_ => straight.Step()).ToArray();
            var first = Make();
            for (int i = 0; i < 3; i++) first.Step();
            string path = Path.Combine(_dir, $"bigan-{images}.safetensors");
            TestRuns.Save(first, path);
            var resumed = images ? TestRuns.LoadImages(path, _images) : TestRuns.LoadToy(path);
            for (int i = 3; i < 6; i++) Assert.Equal(expected[i], resumed.Step());
            Assert.Equal(TestRuns.State(straight).Select(t => t.Values), TestRuns.State(resumed).Select(t => t.Values));
        }
    }

    [Fact]
    public void Training_draws_reconstructions_and_encode_writes_the_encodings_with_their_labels()
    {
        string run = Path.Combine(_dir, "run");
        var (code, _, err) = Gfs.Run("train", "bigan", "--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "2",
            "--eval-every", "2", "--threads", "1", "--out", run);
        Assert.True(code == 0, err);
        string frame = Path.Combine(run, "frames", "recon_iter_000002.png");
        using (var bitmap = SkiaSharp.SKBitmap.Decode(frame))
            Assert.Equal(10 * 58 + 2, bitmap.Width); // 10 columns of 28×28 at scale 2 with gaps of 2
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Last();
        foreach (var name in new[] { "\"nn_acc\"", "\"probe_acc_pixels\"", "\"recon\"" }) Assert.Contains(name, metrics);

        string checkpoint = Path.Combine(run, TrainingRun.CheckpointFile);
        string npy = Path.Combine(_dir, "z.npy");
        (code, _, err) = Gfs.Run("encode", "--checkpoint", checkpoint, "-n", "7", "--out", npy);
        Assert.True(code == 0, err);
        var z = Npy.Read(npy);
        Assert.Equal([7, 50], z.Shape);
        Assert.Equal("<f4", z.Descr);
        Assert.All(z.Values, v => Assert.InRange(v, -1f, 1f)); // tanh's range, U(−1, 1)'s support
        var labels = Npy.Read(SampleCommandLabels(npy));
        Assert.Equal([.. FashionMnist.Load(_dir, train: false).Labels[..7].Select(l => (float)l)], labels.Values);

        // The same encodings as the trainer's own encoder computes on the same images.
        var trainer = TestRuns.LoadImages(checkpoint, _images);
        using (TensorScope.Begin())
        {
            var expected = BiGan.Encode(BiGan.Encoder(trainer.Game), FashionMnist.Load(_dir, train: false).Batch(0, 7));
            Assert.Equal(expected, z.Values);
        }
    }

    [Fact]
    public void Encode_refuses_more_toy_points_than_it_can_hold_and_writes_nothing()
    {
        string run = Path.Combine(_dir, "toy-encode");
        var (code, _, err) = Gfs.Run("train", "bigan", "--iters", "1", "--dim", "8", "--batch-size", "16", "--threads", "1", "--out", run);
        Assert.True(code == 0, err);
        string npy = Path.Combine(_dir, "z-big.npy");
        (code, _, err) = Gfs.Run("encode", "--checkpoint", Path.Combine(run, TrainingRun.CheckpointFile), "-n", "2147483647", "--out", npy);
        Assert.Equal(2, code); // it had overflowed with a stack trace
        Assert.Contains("-n 2,147,483,647", err);
        Assert.False(File.Exists(npy));
        // The image-only options are refused on a toy run, not ignored.
        (code, _, err) = Gfs.Run("encode", "--checkpoint", Path.Combine(run, TrainingRun.CheckpointFile), "--split", "train", "--out", npy);
        Assert.Equal(2, code);
        Assert.Contains("--split choose which images to encode", err);
        Assert.False(File.Exists(npy));
    }

    [Fact]
    public void The_measures_read_the_encoder_before_its_tanh_and_eval_prints_them()
    {
        var trainer = TestRuns.Toy(SmallToy());
        for (int i = 0; i < 3; i++) trainer.Step();
        var x = trainer.Data.Labelled(16)!.Value.Samples;
        var (z, h) = (BiGan.Encode(BiGan.Encoder(trainer.Game), x), BiGan.Encode(BiGan.Encoder(trainer.Game), x, features: true));
        for (int i = 0; i < z.Length; i++) Assert.Equal(MathF.Tanh(h[i]), z[i], 1e-6f);

        string run = Path.Combine(_dir, "evaluated");
        Assert.Equal(0, Gfs.Run("train", "bigan", "--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "2",
            "--eval-every", "2", "--threads", "1", "--out", run).Code);
        string classifier = Path.Combine(_dir, "classifier.safetensors");
        new FeatureClassifier(new RandomStream(1)).Save(classifier, "mnist", 0.1);
        var (code, output, err) = Gfs.Run("eval", "--checkpoint", Path.Combine(run, TrainingRun.CheckpointFile), "--classifier", classifier, "-n", "8");
        Assert.True(code == 0, err);
        using var last = System.Text.Json.JsonDocument.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Last());
        string[] measures = ["nn_acc", "probe_acc", "recon_random"];
        double Printed(string text, string name) =>
            double.Parse(text.Split('\n').Single(l => l.TrimStart().StartsWith(name + " ")).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
                System.Globalization.CultureInfo.InvariantCulture);
        foreach (var name in measures)
            Assert.Equal(last.RootElement.GetProperty(name).GetDouble(), Printed(output, name), 3); // the same checkpoint measured as training measured it
        Assert.DoesNotContain("noise not truncated", output);

        // --truncation changes fd's noise, not the variant's measures: they stay as training takes them, and the output says so.
        var (truncatedCode, truncated, truncatedErr) = Gfs.Run("eval", "--checkpoint", Path.Combine(run, TrainingRun.CheckpointFile), "--classifier", classifier,
            "-n", "8", "--truncation", "0.5");
        Assert.True(truncatedCode == 0, truncatedErr);
        Assert.Contains("bigan's own measures, as training takes them (noise not truncated):", truncated);
        foreach (var name in measures) Assert.Equal(Printed(output, name), Printed(truncated, name));
    }

    private static string SampleCommandLabels(string npy) => Path.ChangeExtension(npy, null) + ".labels.npy";

    [Fact]
    public void Encode_refuses_runs_without_an_encoder_and_outputs_that_would_destroy_something()
    {
        string bigan = Path.Combine(_dir, "b"), gan = Path.Combine(_dir, "g");
        string[] tiny = ["--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "1", "--threads", "1"];
        Assert.Equal(0, Gfs.Run(["train", "bigan", .. tiny, "--out", bigan]).Code);
        Assert.Equal(0, Gfs.Run(["train", "gan", .. tiny, "--out", gan]).Code);
        string checkpoint = Path.Combine(bigan, TrainingRun.CheckpointFile);
        string npy = Path.Combine(_dir, "out.npy");
        var cases = new (string[] Args, string Message)[]
        {
            (["--checkpoint", Path.Combine(gan, TrainingRun.CheckpointFile), "--out", npy], "which has no encoder"),
            (["--checkpoint", checkpoint, "--out", checkpoint], "is the checkpoint itself"),
            (["--checkpoint", checkpoint, "--out", Path.Combine(_dir, "z.txt")], "give a name ending in .npy"),
            (["--checkpoint", checkpoint, "--out", bigan], "is a folder"),
            (["--checkpoint", Path.Combine(_dir, "none.safetensors"), "--out", npy], "No checkpoint at"),
            (["--checkpoint", checkpoint, "-n", "0", "--out", npy], "-n"),
        };
        long size = new FileInfo(checkpoint).Length;
        foreach (var (args, message) in cases)
        {
            var (code, _, err) = Gfs.Run(["encode", .. args]);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}, {err}");
            Assert.Contains(message, err);
            Assert.False(File.Exists(npy));
        }
        Assert.Equal(size, new FileInfo(checkpoint).Length);
    }
}
