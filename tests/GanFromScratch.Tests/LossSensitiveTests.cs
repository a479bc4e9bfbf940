using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// The loss-sensitive GAN: its defaults, the margin and the hinge count, weight decay on both
/// players, the frozen game of a dead ReLU, the penalty option and the refusals (resume: in
/// ToyTrainingTests). Its
/// critic objective is checked against PyTorch in ImageOpGoldenTests (loss_sensitive_*) and by
/// finite differences in OpGradientTests (loss_sensitive_critic).
/// </summary>
public sealed class LossSensitiveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-ls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainConfig Small(params (VariantOption Option, object Value)[] options) => TestRuns.Defaults("loss-sensitive") with
    {
        Dim = 16, BatchSize = 32, Iters = 6, EvalEvery = 3, Seed = 3,
        Options = options.ToDictionary(o => o.Option.Key, o => JsonSerializer.SerializeToElement(o.Value)),
    };

    [Fact]
    public void The_defaults_are_the_authors_settings_with_a_softplus_loss()
    {
        var images = TestRuns.Defaults("loss-sensitive", "fashion-mnist");
        Assert.Equal((1e-4f, 0.5f, 0.999f, 1, 64), (images.Lr, images.Beta1, images.Beta2, images.CriticIters, images.BatchSize));
        Assert.Equal(0.0002f * 3 * 64 * 64 * 2 / (28 * 28), LossSensitive.Tau.Of(images), 6);
        Assert.Equal("dcgan", images.Rules.DefaultArch);
        var toy = TestRuns.Defaults("loss-sensitive");
        Assert.Equal((5e-5f, 0f), (LossSensitive.Decay.Of(images), LossSensitive.Penalty.Of(images)));
        Assert.Equal((1f, 0f, "softplus", 0f, 0.1f), (LossSensitive.Tau.Of(toy), LossSensitive.Gamma.Of(toy), LossSensitive.Positive.Of(toy),
            LossSensitive.Decay.Of(toy), LossSensitive.Penalty.Of(toy)));
    }

    [Fact]
    public void Both_players_optimizers_carry_the_weight_decay()
    {
        var trainer = TestRuns.Toy(Small((LossSensitive.Decay, 3e-4f)));
        Assert.All(trainer.Players.All, p => Assert.Equal(3e-4f, ((Adam)p.Optimizer!).WeightDecay));
        Assert.All(TestRuns.Toy(TestRuns.Defaults("wgan-gp") with { Dim = 8 }).Players.All, p => Assert.Equal(0f, ((Adam)p.Optimizer!).WeightDecay));
    }

    [Fact]
    public void The_margin_is_tau_times_the_l1_distance_of_each_pair_and_carries_no_gradient()
    {
        using var _ = TensorScope.Begin();
        var real = Tensor.FromArray([0f, 1f, 2f, -1f, 0.5f, 0.5f], 2, 3).RequiresGrad_();
        var fake = Tensor.FromArray([1f, 1f, 0f, 1f, 0.5f, -0.5f], 2, 3).RequiresGrad_();
        var margin = LossSensitive.Margin(real, fake, 0.5f);
        Assert.Equal([2, 1], margin.Shape);
        Assert.Equal([1.5f, 1.5f], margin.ToArray()); // 0.5·(1 + 0 + 2), 0.5·(2 + 0 + 1)
        Assert.False(margin.RequiresGrad);
    }

    [Fact]
    public void The_objective_averages_the_active_hinges_and_counts_them()
    {
        using var _ = TensorScope.Begin();
        var realLoss = Tensor.FromArray([1f, 2f, 0.5f, 3f], 4, 1);
        var fakeLoss = Tensor.FromArray([4f, 1f, 0.5f, 2f], 4, 1);
        var margin = Tensor.FromArray([1f, 1f, 1f, 0.5f], 4, 1);
        // Hinges: 1 + 1 − 4 = −2 (inactive), 1 + 2 − 1 = 2, 1 + 0.5 − 0.5 = 1, 0.5 + 3 − 2 = 1.5.
        var (objective, active) = LossSensitive.CriticObjective(realLoss, fakeLoss, margin, 0f);
        Assert.Equal(4.5f / 4, objective.Item(), 6);
        Assert.Equal(0.75f, active.Item());
        var (withGamma, _) = LossSensitive.CriticObjective(realLoss, fakeLoss, margin, 0.2f);
        Assert.Equal(0.2f * 6.5f / 4 + 4.5f / 4, withGamma.Item(), 6);
    }

    [Fact]
    public void A_step_reports_the_fraction_of_active_hinges_and_moves_both_players()
    {
        var trainer = TestRuns.Toy(Small());
        var before = TestRuns.Weights(trainer);
        var losses = trainer.Step();
        var (name, active) = Assert.Single(losses.Diagnostics!);
        Assert.Equal("active", name);
        Assert.InRange(active, 0f, 1f);
        Assert.Equal(0, active * 32 % 1, 4); // a count of the batch's 32 pairs
        Assert.True(float.IsFinite(losses.CriticLoss) && float.IsFinite(losses.GLoss), $"{losses}");
        Assert.NotEqual(before, TestRuns.Weights(trainer));
    }

    [Fact]
    public void With_a_relu_loss_and_every_critic_output_negative_no_player_learns()
    {
        // The documented reason for the softplus default: relu(f) = 0 at every real and generated
        // sample gives both players zero gradients, and (without weight decay) nothing ever moves.
        var trainer = TestRuns.Toy(Small((LossSensitive.Positive, "relu"), (LossSensitive.Penalty, 0f)));
        var last = trainer.Players.Critic.NamedParameters().Last();
        Assert.EndsWith("bias", last.Name);
        last.Value.CopyFrom(Tensor.Full([1], -5f));
        var before = TestRuns.Weights(trainer);
        var losses = trainer.Step();
        Assert.Equal(0f, losses.GLoss);
        Assert.Equal(1f, losses.Diagnostics![0].Value); // every hinge active, and none can be served
        Assert.Equal(before, TestRuns.Weights(trainer));

        var smooth = TestRuns.Toy(Small((LossSensitive.Penalty, 0f)));
        smooth.Players.Critic.NamedParameters().Last().Value.CopyFrom(Tensor.Full([1], -5f));
        var smoothBefore = TestRuns.Weights(smooth);
        smooth.Step();
        Assert.NotEqual(smoothBefore, TestRuns.Weights(smooth));
    }

    [Fact]
    public void The_penalty_option_adds_the_gradient_penalty()
    {
        Assert.Equal(0f, TestRuns.Toy(Small((LossSensitive.Penalty, 0f))).Step().Penalty);
        Assert.True(TestRuns.Toy(Small()).Step().Penalty > 0);
    }

    [Fact]
    public void A_run_writes_active_into_metrics_and_plots_it()
    {
        string output = Path.Combine(_dir, "run");
        var (code, _, err) = Gfs.Run("train", "loss-sensitive", "--dataset", "8gaussians", "--dim", "8", "--batch-size", "16", "--iters", "4",
            "--eval-every", "2", "--threads", "1", "--out", output);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.InRange(l.GetProperty("active").GetDouble(), 0, 1));
        Assert.Contains("active", new LossSensitive().MeasureNames);
        Assert.True(File.Exists(Path.Combine(output, "metrics.png")));
    }

    [Theory]
    [InlineData("--tau", "0", "--tau must be a positive number")]
    [InlineData("--gamma", "-1", "--gamma must be a number ≥ 0")]
    [InlineData("--positive", "exp", "'exp' not recognized. Must be one of:\n\t'softplus'")]
    [InlineData("--weight-decay", "-0.1", "--weight-decay must be a number ≥ 0")]
    [InlineData("--penalty", "nan", "--penalty must be a finite number (got NaN)")]
    public void Bad_options_are_refused_with_exit_2_and_nothing_written(string option, string value, string expected)
    {
        string output = Path.Combine(_dir, "bad");
        var (code, _, err) = Gfs.Run("train", "loss-sensitive", "--iters", "1", "--threads", "1", "--out", output, option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void The_penalty_with_a_batch_norm_critic_is_refused_naming_the_way_out()
    {
        string output = Path.Combine(_dir, "bn");
        ImageDataTests.WriteTinyMnist(_dir, 24);
        var (code, _, err) = Gfs.Run("train", "loss-sensitive", "--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "1",
            "--threads", "1", "--penalty", "10", "--out", output);
        Assert.Equal(2, code);
        Assert.Contains("batch norm", err);
        Assert.Contains("--arch gan-mnist", err);
        Assert.False(Directory.Exists(output));
    }
}
