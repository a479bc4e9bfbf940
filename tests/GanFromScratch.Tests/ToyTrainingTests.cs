using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Tests;

/// <summary>Toy training end to end, on small networks: every variant, checkpoints and resume, learning.</summary>
public sealed class ToyTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainConfig Small(string variant = "wgan-gp") =>
        TestRuns.Defaults(variant) with { Dim = 16, BatchSize = 32, Iters = 6, EvalEvery = 3, Seed = 3 };

    private static float[] AllParameters(Trainer t) => TestRuns.Weights(t);

    [Theory]
    [InlineData("gan")]
    [InlineData("lsgan")]
    [InlineData("wgan")]
    [InlineData("wgan-gp")]
    public void Every_variant_trains_with_finite_losses(string variant)
    {
        var trainer = TestRuns.Toy(Small(variant));
        var before = AllParameters(trainer);
        for (int i = 0; i < 3; i++)
        {
            var losses = trainer.Step();
            Assert.True(float.IsFinite(losses.CriticLoss) && float.IsFinite(losses.GLoss), $"{losses}");
        }
        Assert.Equal(3, trainer.Iteration);
        Assert.NotEqual(before, AllParameters(trainer));
        if (variant == "wgan")
            Assert.All(trainer.Players.Critic.Parameters().SelectMany(p => p.ToArray()), v => Assert.InRange(v, -0.01f, 0.01f));
    }

    [Fact]
    public void The_penalty_is_reported_only_by_wgan_gp()
    {
        Assert.True(TestRuns.Toy(Small("wgan-gp")).Step().Penalty > 0);
        Assert.Equal(0, TestRuns.Toy(Small("wgan")).Step().Penalty);
    }

    /// <summary>What two runs must agree on after each step: the losses, and the variant's own measures (loss-sensitive's active hinges).</summary>
    private static (float, float, float, float, string) Agreed(StepLosses l) =>
        (l.CriticW, l.CriticLoss, l.GLoss, l.Penalty, string.Join(",", l.Diagnostics?.Select(d => $"{d.Name}={d.Value:R}") ?? []));

    [Theory]
    [InlineData("wgan-gp")]
    [InlineData("loss-sensitive")]
    public void Resuming_from_a_checkpoint_gives_the_same_losses_as_an_uninterrupted_run(string variant)
    {
        var straight = TestRuns.Toy(Small(variant));
        var expected = Enumerable.Range(0, 4).Select(_ => straight.Step()).ToArray();

        var first = TestRuns.Toy(Small(variant));
        first.Step();
        first.Step();
        string path = Path.Combine(_dir, "c.safetensors");
        TestRuns.Save(first, path, 1.5);
        var resumed = TestRuns.LoadToy(path);
        Assert.Equal(2, resumed.Iteration);
        Assert.Equal(1.5, resumed.PriorSeconds);
        Assert.Equal(AllParameters(first), AllParameters(resumed));
        Assert.Equal(Agreed(expected[2]), Agreed(resumed.Step()));
        Assert.Equal(Agreed(expected[3]), Agreed(resumed.Step()));
        Assert.Equal(AllParameters(straight), AllParameters(resumed));
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_is_refused_by_name()
    {
        string path = Path.Combine(_dir, "c.safetensors");
        TestRuns.Save(TestRuns.Toy(Small()), path);
        var e = Assert.Throws<InvalidDataException>(() => TestRuns.LoadToy(path, Small() with { Dim = 8 }));
        Assert.Contains("generator.main.0.weight", e.Message);
    }

    [Fact]
    public void Training_lowers_w1_clearly()
    {
        var trainer = TestRuns.Toy(TestRuns.Defaults("wgan-gp") with { Dim = 64, BatchSize = 64, Lr = 3e-3f, Seed = 1, Iters = 300 });
        var data = (ToyData)trainer.Data;
        double before = data.Measure(trainer).W1;
        for (int i = 0; i < 200; i++) trainer.Step();
        double after = data.Measure(trainer).W1;
        // Seen: 1.414 → 0.545. A generator that learned nothing stays near 1.4.
        Assert.True(after < 0.6 * before, $"W1 went from {before:F3} to {after:F3}");
    }

    [Fact]
    public void A_run_writes_metrics_frames_checkpoint_and_stops_cleanly_when_cancelled()
    {
        var config = Small() with { Iters = 6, EvalEvery = 2 };
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        RunResult result;
        using (var folder = RunFolder.Open(_dir))
            result = TrainingRun.Train(TestRuns.Toy(config), folder, p =>
            {
                if (++seen == 4) cancel.Cancel(); // as Ctrl-C would, after iteration 4
            }, cancel.Token);
        Assert.True(result.Interrupted);
        Assert.Equal(4, result.Iteration);
        var lines = File.ReadAllLines(Path.Combine(_dir, TrainingRun.MetricsFile));
        Assert.Equal(2, lines.Length);
        foreach (var key in new[] { "\"iter\"", "\"time_s\"", "\"critic_w\"", "\"g_loss\"", "\"grad_norm\"", "\"modes\"", "\"hq\"", "\"w1\"" })
            Assert.Contains(key, lines[1]);
        Assert.Contains("\"w1_floor\"", lines[0]); // the first evaluation's, once
        Assert.DoesNotContain("\"w1_floor\"", lines[1]);
        Assert.True(File.Exists(Path.Combine(_dir, "frames", "iter_000004.png")));
        Assert.True(File.Exists(Path.Combine(_dir, "metrics.png")));
        Assert.Equal(4, TestRuns.LoadToy(result.CheckpointPath).Iteration);

        // Resume to the end: the metrics continue where they stopped.
        RunResult rest;
        using (var folder = RunFolder.Open(_dir))
            rest = TrainingRun.Train(TestRuns.LoadToy(result.CheckpointPath), folder, null, CancellationToken.None);
        Assert.False(rest.Interrupted);
        Assert.Equal(6, rest.Iteration);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_dir, TrainingRun.MetricsFile)).Length);
    }

    [Fact]
    public void A_diverging_run_stops_with_the_iteration_number()
    {
        var trainer = TestRuns.Toy(Small("lsgan") with { Lr = 1e30f, Iters = 50 });
        var e = Assert.Throws<RunDivergedException>(() => { for (int i = 0; i < 50; i++) trainer.Step(); });
        Assert.InRange(e.Iteration, 1, 50);
        Assert.Contains($"iteration {e.Iteration}", e.Message);
    }

    [Fact]
    public void Tensor_scopes_return_step_memory()
    {
        var trainer = TestRuns.Toy(Small());
        trainer.Step();
        // After a step every temporary is back in the pool: the parameters have no gradients
        // and a second step allocates nothing new that outlives it.
        Assert.All(trainer.Players.Critic.Parameters(), p => Assert.Null(p.Grad));
        using (var scope = TensorScope.Begin())
        {
            var t = Tensor.Zeros(3);
            scope.Dispose();
            Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        }
    }
}
