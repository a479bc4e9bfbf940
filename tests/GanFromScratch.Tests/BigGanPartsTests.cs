using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// BigGAN's parts a user switches on with any variant: the hinge game (the <c>hinge</c> variant),
/// orthogonal regularization (<c>--ortho</c>), the moving average of the generator (<c>--ema</c>),
/// gradient accumulation (<c>--accumulate</c>), the truncation trick (<c>--truncation</c>, <c>--truncation-curve</c>). Their formulas are checked against PyTorch in
/// ImageOpGoldenTests (hinge_*, orthogonal_regularization_*); spectral normalization in SpectralNormTests.
/// </summary>
public sealed class BigGanPartsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-biggan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainConfig Small(string variant) => TestRuns.Defaults(variant) with { Dim = 16, BatchSize = 32, Iters = 6, Seed = 3 };

    [Fact]
    public void The_hinge_variant_has_sn_gans_settings_and_trains()
    {
        var config = TestRuns.Defaults("hinge", "fashion-mnist");
        Assert.Equal((2e-4f, 0.5f, 0.999f, 1, "critic"), (config.Lr, config.Beta1, config.Beta2, config.CriticIters, config.SpectralNorm));
        Assert.Equal("gan-mnist", config.Rules.DefaultArch);
        var trainer = TestRuns.Toy(Small("hinge"));
        Assert.All(trainer.Players.Critic.Modules().OfType<Linear>(), l => Assert.NotNull(l.SpectralNorm));
        Assert.All(trainer.Players.Generator.Modules().OfType<Linear>(), l => Assert.Null(l.SpectralNorm));
        var before = TestRuns.Weights(trainer);
        var losses = trainer.Step();
        Assert.True(float.IsFinite(losses.CriticLoss) && float.IsFinite(losses.GLoss), $"{losses}");
        Assert.InRange(losses.CriticLoss, 0f, 100f); // two means of relu: never negative
        Assert.NotEqual(before, TestRuns.Weights(trainer));
    }

    [Fact]
    public void The_hinge_losses_stop_at_the_margins()
    {
        using var _ = TensorScope.Begin();
        var real = Tensor.FromArray([2f, 0.5f, -1f], 3, 1);
        var fake = Tensor.FromArray([-3f, 0f], 2, 1);
        // (0 + 0.5 + 2) / 3 + (0 + 1) / 2
        Assert.Equal(2.5f / 3 + 0.5f, Hinge.CriticObjective(real, fake).Item(), 6);
        Assert.Equal(1.5f, Hinge.GeneratorObjective(fake).Item(), 6);
    }

    [Fact]
    public void Orthogonal_regularization_is_zero_for_orthogonal_filters_and_leaves_their_norms_free()
    {
        using var _ = TensorScope.Begin();
        var orthogonal = Tensor.FromArray([3f, 0f, 0f, 0f, -2f, 0f], 2, 3); // rows orthogonal, of norms 3 and 2
        Assert.Equal(0f, OrthogonalRegularization.Penalty(orthogonal, 1f).Item());
        var skewed = Tensor.FromArray([1f, 1f, 0f, 1f, 0f, 0f], 2, 3); // rows at 45°: WWᵀ off-diagonal 1, twice
        Assert.Equal(2f * 0.5f, OrthogonalRegularization.Penalty(skewed, 0.5f).Item(), 6);
        var trainer = TestRuns.Toy(Small("wgan-gp"));
        Assert.Equal(4, OrthogonalRegularization.Weights(trainer.Players.Generator).Count());
    }

    /// <summary>
    /// A tall weight (200 × 16, computed from WᵀW) against the definition summed in double: the value
    /// β Σᵢ≠ⱼ (wᵢ·wⱼ)² and its gradient 4β Σⱼ≠ᵢ (wᵢ·wⱼ) wⱼ, to 1e-5 of the value and of the largest gradient.
    /// </summary>
    [Fact]
    public void Orthogonal_regularization_of_a_tall_weight_is_the_off_diagonal_sum_of_its_rows_gram()
    {
        using var _ = TensorScope.Begin();
        const int rows = 200, columns = 16;
        const float beta = 0.7f;
        var values = KernelData.Random(rows * columns, 41);
        var w = Tensor.FromArray(values, rows, columns).RequiresGrad_();
        var penalty = OrthogonalRegularization.Penalty(w, beta);
        var gradient = Autograd.Grad([penalty], [w])[0]!.ToArray();

        double Dot(int i, int j) => Enumerable.Range(0, columns).Sum(k => (double)values[i * columns + k] * values[j * columns + k]);
        var gram = new double[rows, rows];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < rows; j++)
                gram[i, j] = i == j ? 0 : Dot(i, j);
        double expected = beta * gram.Cast<double>().Sum(g => g * g);
        Assert.Equal(1.0, penalty.Item() / expected, 5);
        var expectedGradient = new double[rows * columns];
        for (int i = 0; i < rows; i++)
            for (int k = 0; k < columns; k++)
                for (int j = 0; j < rows; j++) expectedGradient[i * columns + k] += 4 * beta * gram[i, j] * values[j * columns + k];
        double scale = expectedGradient.Max(Math.Abs);
        for (int e = 0; e < expectedGradient.Length; e++)
            Assert.True(Math.Abs(gradient[e] - expectedGradient[e]) <= 1e-5 * scale, $"∂R/∂w[{e / columns}, {e % columns}]: {gradient[e]} against {expectedGradient[e]} (largest {scale})");
    }

    [Fact]
    public void Ortho_changes_the_generators_update_and_not_its_reported_loss_nor_the_critics_step()
    {
        var plain = TestRuns.Toy(Small("wgan-gp"));
        var regularized = TestRuns.Toy(Small("wgan-gp") with { Ortho = 10f });
        var (a, b) = (plain.Step(), regularized.Step());
        Assert.Equal((a.CriticW, a.CriticLoss, a.GLoss), (b.CriticW, b.CriticLoss, b.GLoss));
        Assert.Equal(plain.Players.Critic.Parameters().SelectMany(p => p.ToArray()), regularized.Players.Critic.Parameters().SelectMany(p => p.ToArray()));
        Assert.NotEqual(plain.Players.Generator.Parameters().SelectMany(p => p.ToArray()), regularized.Players.Generator.Parameters().SelectMany(p => p.ToArray()));
    }

    [Fact]
    public void Ortho_is_refused_below_0_and_changes_at_resume_are_recorded()
    {
        string run = Path.Combine(_dir, "run");
        string[] tiny = ["--dataset", "8gaussians", "--dim", "8", "--batch-size", "16", "--threads", "1", "--out", run];
        var (code, _, err) = Gfs.Run(["train", "hinge", "--iters", "1", "--ortho", "-1", .. tiny]);
        Assert.Equal(2, code);
        Assert.Contains("--ortho must be a number ≥ 0", err);
        Assert.False(Directory.Exists(run));

        (code, var output, err) = Gfs.Run(["train", "hinge", "--iters", "2", "--eval-every", "1", "--ortho", "1e-4", .. tiny]);
        Assert.True(code == 0, err);
        Assert.Contains("spectral norm: critic · ortho 0.0001", output);
        (code, _, err) = Gfs.Run(["train", "hinge", "--iters", "3", "--resume", "--ortho", "0.001", .. tiny]);
        Assert.True(code == 0, err);
        var config = TrainConfig.FromJson(File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Equal(1e-3f, config.Ortho);
        Assert.Contains(config.Changes, c => c.Setting == "ortho");
    }

    private static float[][] StateOf(Module m) => [.. m.NamedState().Select(t => t.Value.ToArray())];

    [Fact]
    public void The_moving_average_starts_as_the_generator_and_follows_it_with_its_decay()
    {
        var trainer = TestRuns.Toy(Small("wgan-gp") with { EmaDecay = 0.9f });
        var ema = trainer.Players[Roles.GeneratorEma].Network;
        Assert.Null(trainer.Players[Roles.GeneratorEma].Optimizer);
        Assert.Equal(StateOf(trainer.Players.Generator), StateOf(ema));
        var g0 = StateOf(trainer.Players.Generator);
        trainer.Step();
        var g1 = StateOf(trainer.Players.Generator);
        var averaged = StateOf(ema);
        for (int t = 0; t < g0.Length; t++)
            for (int i = 0; i < g0[t].Length; i++)
                Assert.Equal(0.9f * g0[t][i] + 0.1f * g1[t][i], averaged[t][i], 6);
        Assert.NotEqual(g1, averaged);
        using (TensorScope.Begin())
        {
            var fromAverage = trainer.Generate(8, new RandomStream(5)).ToArray();
            Assert.NotEqual(fromAverage, trainer.Generate(8, new RandomStream(5), raw: true).ToArray());
            ema.Eval();
            using (Autograd.NoGrad())
                Assert.Equal(fromAverage, ema.Forward(Tensor.Randn([8, 2], new RandomStream(5))).ToArray());
            ema.Train();
        }
    }

    [Fact]
    public void The_averaged_generator_samples_with_batch_statistics_of_its_own()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        var images = Gan.Data.FashionMnist.Load(_dir, train: true);
        var config = TestRuns.Defaults("lsgan", "mnist") with { DataDir = _dir, Dim = 2, BatchSize = 4, Lr = 1e-2f, EmaDecay = 0.5f };
        var trainer = TestRuns.Images(config, images);
        trainer.Step();
        var ema = trainer.Players[Roles.GeneratorEma].Network;
        float[][] Stats() => [.. BatchStatistics.Buffers(ema).Select(b => b.ToArray())];
        var averaged = Stats(); // not averaged: the buffers stay as they were built
        Assert.All(averaged, b => Assert.True(b.All(v => v == 0f) || b.All(v => v == 1f)));
        float[] first;
        using (TensorScope.Begin()) first = trainer.Generate(4, new RandomStream(3)).ToArray();
        var standing = Stats();
        Assert.NotEqual(averaged, standing);
        Assert.NotEqual(Stats(), BatchStatistics.Buffers(trainer.Players.Generator).Select(b => b.ToArray()).ToArray());
        using (TensorScope.Begin()) Assert.Equal(first, trainer.Generate(4, new RandomStream(3)).ToArray());
        var again = TestRuns.Images(config, images);
        again.Step();
        using (TensorScope.Begin()) Assert.Equal(first, again.Generate(4, new RandomStream(3)).ToArray()); // a function of the weights
    }

    [Fact]
    public void Before_its_start_the_average_copies_the_generator()
    {
        var trainer = TestRuns.Toy(Small("wgan-gp") with { EmaDecay = 0.5f, EmaStart = 3 });
        trainer.Step();
        trainer.Step();
        Assert.Equal(StateOf(trainer.Players.Generator), StateOf(trainer.Players[Roles.GeneratorEma].Network));
        trainer.Step();
        Assert.NotEqual(StateOf(trainer.Players.Generator), StateOf(trainer.Players[Roles.GeneratorEma].Network));
    }

    [Fact]
    public void A_run_with_the_average_resumes_bit_for_bit()
    {
        var config = Small("wgan-gp") with { EmaDecay = 0.9f, SpectralNorm = "both" };
        var straight = TestRuns.Toy(config);
        for (int i = 0; i < 4; i++) straight.Step();
        var first = TestRuns.Toy(config);
        first.Step();
        first.Step();
        string path = Path.Combine(_dir, "c.safetensors");
        TestRuns.Save(first, path);
        var resumed = TestRuns.LoadToy(path);
        resumed.Step();
        resumed.Step();
        var (expected, actual) = (TestRuns.State(straight), TestRuns.State(resumed));
        Assert.Contains(actual, t => t.Name == "generator_ema.main.0.weight_u");
        Assert.Equal(expected.Select(t => t.Name), actual.Select(t => t.Name));
        Assert.Equal(expected.Select(t => t.Values), actual.Select(t => t.Values));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("-0.5")]
    [InlineData("1.5")]
    public void A_decay_outside_0_to_1_is_refused_and_nothing_written(string decay)
    {
        string run = Path.Combine(_dir, "bad");
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--ema", decay, "--iters", "1", "--threads", "1", "--out", run);
        Assert.Equal(2, code);
        Assert.Contains("--ema must be a decay between 0 and 1", err);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void The_evaluations_measure_both_generators()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, err) = Gfs.Run("train", "lsgan", "--ema", "0.5", "--iters", "2", "--eval-every", "1", "--dim", "8", "--batch-size", "16",
            "--lr", "0.01", "--threads", "1", "--out", run);
        Assert.True(code == 0, err);
        Assert.Contains("ema 0.5 from iteration 0", output);
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.True(l.TryGetProperty("w1_raw", out _)));
        Assert.NotEqual(lines[^1].GetProperty("w1").GetDouble(), lines[^1].GetProperty("w1_raw").GetDouble());

        ImageDataTests.WriteTinyMnist(_dir, 24);
        var images = Gan.Data.FashionMnist.Load(_dir, train: true);
        var config = TestRuns.Defaults("wgan-gp", "mnist") with { DataDir = _dir, Dim = 2, BatchSize = 4, CriticIters = 1, Lr = 1e-2f, FdSamples = 8, EmaDecay = 0.5f };
        var trainer = TestRuns.Images(config, images, images, new FeatureClassifier(new RandomStream(1)));
        trainer.Step();
        var line = trainer.Data.Evaluate(trainer, _dir);
        Assert.NotEqual(line["fd"]!.GetValue<double>(), line["fd_raw"]!.GetValue<double>());
    }

    /// <summary>
    /// The moving average is a copy beside the learning generator, which trains as in a run without
    /// --ema: so gfs sample --raw of an --ema run gives, to the bit, what gfs sample of the same run
    /// without --ema gives, and without --raw the average's samples, which differ.
    /// </summary>
    [Fact]
    public void Sample_raw_draws_the_learning_generator_and_eval_refuses_raw_without_a_checkpoint()
    {
        string[] common = ["train", "lsgan", "--iters", "3", "--eval-every", "3", "--dim", "8", "--batch-size", "16", "--lr", "0.01", "--threads", "1"];
        string averaged = Path.Combine(_dir, "averaged"), plain = Path.Combine(_dir, "plain");
        Assert.Equal(0, Gfs.Run([.. common, "--ema", "0.5", "--out", averaged]).Code);
        Assert.Equal(0, Gfs.Run([.. common, "--out", plain]).Code);
        string Sample(string run, string name, params string[] extra)
        {
            string file = Path.Combine(_dir, name);
            var (code, output, err) = Gfs.Run(["sample", "--checkpoint", Path.Combine(run, "checkpoint.safetensors"), "-n", "50", "--out", file, .. extra]);
            Assert.True(code == 0, err);
            Assert.Contains(extra.Contains("--raw") ? "of the learning generator (--raw)" : run == averaged ? "of the moving average of the generator" : "of the generator", output);
            return File.ReadAllText(file);
        }
        string raw = Sample(averaged, "raw.csv", "--raw"), average = Sample(averaged, "average.csv"), alone = Sample(plain, "alone.csv");
        Assert.Equal(alone, raw);
        Assert.NotEqual(alone, average);

        var (refused, _, err) = Gfs.Run("eval", "--samples", Path.Combine(_dir, "none.npy"), "--raw");
        Assert.Equal(2, refused);
        Assert.Contains("--raw draw from the generator: they need --checkpoint", err);
    }

    /// <summary>Every tensor of the two runs' states (weights, optimizers' moments) within float rounding of each other.</summary>
    private static void SameState(Trainer expected, Trainer actual, Func<string, bool> which)
    {
        var (sa, sb) = (TestRuns.State(expected), TestRuns.State(actual));
        Assert.Equal(sa.Select(t => t.Name), sb.Select(t => t.Name));
        foreach (var ((name, a), (_, b)) in sa.Zip(sb).Where(p => which(p.First.Name)))
        {
            var off = Enumerable.Range(0, a.Length).Where(i => Math.Abs(a[i] - b[i]) > 1e-6f + 1e-3f * Math.Abs(a[i])).ToList();
            Assert.True(off.Count == 0, $"{name}: {off.Count} of {a.Length} differ, as {string.Join("; ", off.Take(4).Select(i => $"{a[i]} vs {b[i]}"))}");
        }
    }

    [Theory]
    [InlineData("wgan-gp")]        // the penalty's double backward, per micro-batch
    [InlineData("loss-sensitive")] // a measure of its own (active hinges), averaged over the micro-batches
    public void A_step_on_4_micro_batches_is_the_step_on_their_union(string variant)
    {
        // Adam's first moment after one step is (1 − β₁)·g: the summed gradient, scale included (Adam's steps are not).
        var large = TestRuns.Toy(Small(variant) with { BatchSize = 64, Ortho = 1e-3f });
        var accumulated = TestRuns.Toy(Small(variant) with { BatchSize = 16, Accumulate = 4, Ortho = 1e-3f });
        var random = new RandomStream(8);
        using var _ = TensorScope.Begin();
        var (real, noise, alpha, gNoise) = (Tensor.Randn([64, 2], random), Tensor.Randn([64, 2], random), Tensor.Rand([64, 1], random), Tensor.Randn([64, 2], random));
        Batch[] Quarters() => [.. Enumerable.Range(0, 4).Select(j => new Batch(noise.Narrow(0, 16 * j, 16)) { Real = real.Narrow(0, 16 * j, 16), Alpha = alpha.Narrow(0, 16 * j, 16) })];
        var (a, b) = (large.CriticStep(new Batch(noise) { Real = real, Alpha = alpha }), accumulated.CriticStep(Quarters()));
        Assert.Equal(a.Total.Item(), b.Total.Item(), 5);
        Assert.Equal(a.Objective.Item(), b.Objective.Item(), 5);
        if (a.Diagnostics is { } d) Assert.Equal(d[0].Value.Item(), b.Diagnostics![0].Value.Item(), 5);
        SameState(large, accumulated, name => name.StartsWith("optimizer.critic.exp_avg") && !name.Contains("exp_avg_sq"));
        var (ga, gb) = (large.GeneratorStep(new Batch(gNoise)),
            accumulated.GeneratorStep([.. Enumerable.Range(0, 4).Select(j => new Batch(gNoise.Narrow(0, 16 * j, 16)))]));
        Assert.Equal(ga.Item(), gb.Item(), 5);
        SameState(large, accumulated, name => name.StartsWith("optimizer.generator.exp_avg") && !name.Contains("exp_avg_sq"));
    }

    [Fact]
    public void Training_with_4_micro_batches_follows_training_with_batches_4_times_larger()
    {
        // The trainer draws the micro-batches from the same streams in the same order as the large batches.
        var large = TestRuns.Toy(Small("wgan-gp") with { BatchSize = 64, CriticIters = 2, Ortho = 1e-3f });
        var accumulated = TestRuns.Toy(Small("wgan-gp") with { BatchSize = 16, Accumulate = 4, CriticIters = 2, Ortho = 1e-3f });
        for (int i = 0; i < 3; i++)
        {
            var (a, b) = (large.Step(), accumulated.Step());
            Assert.Equal((a.CriticLoss, a.CriticW, a.GLoss, a.Penalty), (b.CriticLoss, b.CriticW, b.GLoss, b.Penalty), new Close4());
        }
        SameState(large, accumulated, _ => true);
        var small = TestRuns.Toy(Small("wgan-gp") with { BatchSize = 16, CriticIters = 2 });
        var once = TestRuns.Toy(Small("wgan-gp") with { BatchSize = 16, Accumulate = 4, CriticIters = 2 });
        Assert.NotEqual(small.Step().CriticLoss, once.Step().CriticLoss); // the other micro-batches count
    }

    private sealed class Close4 : IEqualityComparer<(float, float, float, float)>
    {
        private static bool Near(float a, float b) => Math.Abs(a - b) <= 1e-4f + 1e-4f * Math.Abs(a);
        public bool Equals((float, float, float, float) a, (float, float, float, float) b) =>
            Near(a.Item1, b.Item1) && Near(a.Item2, b.Item2) && Near(a.Item3, b.Item3) && Near(a.Item4, b.Item4);
        public int GetHashCode((float, float, float, float) x) => 0;
    }

    [Fact]
    public void Accumulate_below_1_is_refused_and_nothing_written()
    {
        string run = Path.Combine(_dir, "bad");
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--accumulate", "0", "--iters", "1", "--threads", "1", "--out", run);
        Assert.Equal(2, code);
        Assert.Contains("--accumulate", err);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Truncated_noise_lies_within_the_bound_and_is_fixed_by_the_stream()
    {
        var trainer = TestRuns.Toy(Small("wgan-gp"));
        using var _ = TensorScope.Begin();
        var z = trainer.TruncatedNoise(500, new RandomStream(4), 0.5f).ToArray();
        Assert.Equal(1000, z.Length);
        Assert.All(z, v => Assert.InRange(v, -0.5f, 0.5f));
        Assert.Equal(z, trainer.TruncatedNoise(500, new RandomStream(4), 0.5f).ToArray());
        Assert.True(z.Count(v => MathF.Abs(v) > 0.25f) > 300, "not squeezed: a truncated normal, about half of it beyond T/2");
        // A bound no draw reaches changes nothing: the noise is the untruncated noise.
        Assert.Equal(Tensor.Randn([500, 2], new RandomStream(4)).ToArray(), trainer.TruncatedNoise(500, new RandomStream(4), 100f).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.TruncatedNoise(4, new RandomStream(4), 0f));
    }

    [Fact]
    public void Sample_and_eval_truncate_and_the_curve_is_printed_and_plotted()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        string run = Path.Combine(_dir, "cgan");
        Assert.Equal(0, Gfs.Run("train", "cgan", "--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "2",
            "--eval-every", "2", "--threads", "1", "--out", run).Code);
        string checkpoint = Path.Combine(run, TrainingRun.CheckpointFile), classifier = Path.Combine(_dir, "classifier.safetensors");
        new FeatureClassifier(new RandomStream(1)).Save(classifier, "mnist", 0.1);

        string grid = Path.Combine(_dir, "grid.png");
        foreach (var bad in new[] { "0", "-1", "nan" })
        {
            var (badCode, _, badErr) = Gfs.Run("sample", "--checkpoint", checkpoint, "--truncation", bad, "-n", "8", "--out", grid);
            Assert.Equal(2, badCode);
            Assert.Contains("--truncation must be a positive number", badErr);
            Assert.False(File.Exists(grid));
        }
        // A bound so small that redrawing would run for ever (~1.25 million draws a number at 1e-6).
        var (tinyCode, _, tinyErr) = Gfs.Run("sample", "--checkpoint", checkpoint, "--truncation", "1e-6", "-n", "8", "--out", grid);
        Assert.Equal(2, tinyCode);
        Assert.Contains("give T ≥ 0.01", tinyErr);
        Assert.False(File.Exists(grid));
        var (code, _, err) = Gfs.Run("sample", "--checkpoint", checkpoint, "--truncation", "0.5", "-n", "8", "--out", grid);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(grid));

        string picture = Path.Combine(_dir, "curve.png");
        (code, var output, err) = Gfs.Run("eval", "--checkpoint", checkpoint, "--classifier", classifier, "-n", "8", "--truncation-curve", "--plot", picture);
        Assert.True(code == 0, err);
        var rows = output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && (char.IsDigit(l[0]) || l.StartsWith("none"))).ToList();
        Assert.Equal(["0.25", "0.5", "1", "1.5", "2", "none"], rows.Select(r => r.Split(' ')[0]));
        Assert.All(rows, r => Assert.Equal(4, r.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)); // T, fd, score, class_acc
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(picture)[..4]);
        // "none" is the untruncated measurement that plain eval prints
        (code, var plain, _) = Gfs.Run("eval", "--checkpoint", checkpoint, "--classifier", classifier, "-n", "8");
        Assert.Equal(0, code);
        string fdNone = rows[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.Contains(fdNone, plain.Split('\n').Single(l => l.TrimStart().StartsWith("fd ")));

        (code, _, err) = Gfs.Run("eval", "--samples", Path.Combine(_dir, "x.npy"), "--truncation-curve");
        Assert.Equal(2, code);
        Assert.Contains("need --checkpoint", err);
    }
}

/// <summary>The assembled biggan variant: its defaults, its networks' parts, a step, resume, the data it refuses.</summary>
public sealed class BigGanVariantTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-biggan-v-").FullName;
    private readonly Gan.Data.ImageDataset _images;

    public BigGanVariantTests()
    {
        ImageDataTests.WriteTinyMnist(_dir, 24);
        _images = Gan.Data.FashionMnist.Load(_dir, train: true);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainConfig Small() => TestRuns.Defaults("biggan", "mnist") with { DataDir = _dir, Dim = 4, BatchSize = 4, Iters = 4 };

    [Fact]
    public void The_defaults_are_biggans_and_every_part_is_on()
    {
        var c = TestRuns.Defaults("biggan", "fashion-mnist");
        Assert.Equal((5e-5f, 2e-4f, 0f, 0.999f, 2), (c.LrFor(Roles.Generator), c.LrFor(Roles.Critic), c.Beta1, c.Beta2, c.CriticIters));
        Assert.Equal(("both", 1e-4f, 0.999f), (c.SpectralNorm, c.Ortho, c.EmaDecay));
        var trainer = TestRuns.Images(Small(), _images);
        var g = trainer.Players.Generator;
        Assert.Equal(4, g.Modules().OfType<ConditionalBatchNorm>().Count());
        Assert.Single(trainer.Players.Critic.Modules().OfType<ProjectionHead>());
        Assert.All(g.Modules().OfType<Linear>().Concat(trainer.Players.Critic.Modules().OfType<Linear>()), l => Assert.NotNull(l.SpectralNorm));
        Assert.DoesNotContain(OrthogonalRegularization.Weights(g), w => w.Shape is [10, BigGanNetworks.EmbeddingSize]); // the shared embedding is left out
        Assert.NotNull(trainer.Players.Find(Roles.GeneratorEma));
        Assert.Equal(new Latent(BigGanNetworks.NoiseSize), trainer.Latent);
    }

    [Fact]
    public void A_step_moves_both_players_and_the_generator_makes_images_of_each_class()
    {
        var trainer = TestRuns.Images(Small(), _images);
        var before = TestRuns.Weights(trainer);
        var losses = trainer.Step();
        Assert.True(float.IsFinite(losses.CriticLoss) && float.IsFinite(losses.GLoss), $"{losses}");
        Assert.NotEqual(before, TestRuns.Weights(trainer));
        using var _ = TensorScope.Begin();
        var images = trainer.Generate(3, new RandomStream(2), Tensor.FromArray([0f, 4f, 9f], 3), truncation: 1f);
        Assert.Equal([3, 1, 28, 28], images.Shape);
        Assert.All(images.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void A_biggan_run_resumes_bit_for_bit()
    {
        var straight = TestRuns.Images(Small(), _images);
        straight.Step();
        straight.Step();
        var first = TestRuns.Images(Small(), _images);
        first.Step();
        string path = Path.Combine(_dir, "c.safetensors");
        TestRuns.Save(first, path);
        var resumed = TestRuns.LoadImages(path, _images);
        resumed.Step();
        Assert.Equal(TestRuns.State(straight).Select(t => t.Values), TestRuns.State(resumed).Select(t => t.Values));
    }

    [Fact]
    public void Toy_data_is_refused()
    {
        string run = Path.Combine(_dir, "toy");
        var (code, _, err) = Gfs.Run("train", "biggan", "--dataset", "8gaussians", "--iters", "1", "--out", run);
        Assert.Equal(2, code);
        Assert.Contains("biggan trains on", err);
        Assert.False(Directory.Exists(run));
    }
}
