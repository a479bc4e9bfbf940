using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// BigGAN's parts a user switches on with any variant: the hinge game (the <c>hinge</c> variant),
/// orthogonal regularization (<c>--ortho</c>). Their formulas are checked against PyTorch in
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
}
