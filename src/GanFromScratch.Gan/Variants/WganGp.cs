using GanFromScratch.Gan.Data;
using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// WGAN with gradient penalty (Gulrajani et al., 2017), Algorithm 1 of the paper. The critic is
/// kept 1-Lipschitz not by clipping (<see cref="Wgan"/>) but by a penalty on its gradient's norm
/// at random points between the real and the generated samples (<see cref="GradientPenalty"/>):
/// <code>
/// for t = 1 … n_critic (5):
///     x ~ P_r,  z ~ p(z),  ε ~ U[0, 1]
///     x̃ ← G_θ(z);  x̂ ← εx + (1 − ε)x̃
///     L ← D_w(x̃) − D_w(x) + λ(‖∇_x̂ D_w(x̂)‖₂ − 1)²             λ = 10
///     w ← Adam(∇_w (1/m) Σ L, α, β₁, β₂)                       α = 1e-4, β = (0.5, 0.9)
/// z ~ p(z);  θ ← Adam(∇_θ (1/m) Σ −D_w(G_θ(z)), α, β₁, β₂)
/// </code>
/// On toy data λ defaults to 0.1, as the authors' gan_toy.py ("smaller lambda seems to help for
/// toy tasks specifically"): with λ = 10 its generator on 8 Gaussians still wanders after 2,500
/// iterations, in gfs and in PyTorch alike.
/// </summary>
public sealed class WganGp : Variant
{
    public static readonly VariantOption<float> Lambda = new("lambda",
        "The weight λ of the gradient penalty. Default 10 (the paper's) on images, 0.1 on the toy datasets, as the WGAN-GP authors' " +
        "gan_toy.py (\"smaller lambda seems to help for toy tasks\"; with the paper's λ = 10 the toy generator still wanders after 2,500 " +
        "iterations); use --lambda 10 for the paper's setting.",
        0.1f, 10f, l => l >= 0 && float.IsFinite(l), "a number ≥ 0");

    public override string Name => "wgan-gp";
    public override string Summary => "WGAN with gradient penalty λ·(‖∇D(x̂)‖ − 1)², Adam 1e-4 β (0.5, 0.9), 5 critic steps (10 on text, as gan_language.py)";
    public override Hyperparameters Defaults => new(Lr: 1e-4f, Beta1: 0.5f, Beta2: 0.9f, CriticSteps: 5, TextCriticSteps: 10);
    public override IReadOnlyList<DataKind> Accepts => [DataKind.Toy, DataKind.Images, DataKind.Text];
    public override IReadOnlyList<VariantOption> Options => [Lambda];
    public override string DefaultArch => "gan-mnist";
    public override bool UsesInterpolates => true;
    public override IReadOnlyList<string> Examples => ["gfs train wgan-gp --lambda 10   (the paper's penalty weight; slower to settle on toy data)"];

    /// <summary>The penalty is per sample: the critic must not mix the samples of a batch.</summary>
    public override void CheckPlayers(Players players, TrainConfig config) =>
        GradientPenalty.RequirePerSampleCritic(players, config);

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var real = batch.RealSamples;
        var fake = game.Generator.Forward(batch.Noise);                                   // x̃ ← G_θ(z)
        var realScores = game.Critic.Forward(real);
        var objective = game.Critic.Forward(fake).Mean() - realScores.Mean();             // D_w(x̃) − D_w(x)
        var (penalty, _) = GradientPenalty.Compute(game.Critic.Forward, real, fake, batch.Alpha!, Lambda.Of(game.Config)); // λ(‖∇_x̂ D_w(x̂)‖₂ − 1)²
        return new(objective, penalty);
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) => -game.Critic.Forward(game.Generator.Forward(batch.Noise)).Mean(); // −D_w(G_θ(z))
}
