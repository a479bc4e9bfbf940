using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>
/// The loss-sensitive GAN (Qi, 2017: "Loss-Sensitive Generative Adversarial Networks on Lipschitz
/// Densities"; not the least-squares GAN, <see cref="Lsgan"/>). The critic is a loss function
/// L_θ(x) ≥ 0 (the critic's output f through a softplus, or the authors' ReLU) that must give every real
/// sample a loss smaller than a generated one by a margin Δ that grows with their distance; the
/// generator lowers the loss of its samples. Algorithm 1 of the paper, in the form of the
/// authors' lsgan.lua:
/// <code>
/// x ~ P_r,  z ~ p(z),  x̃ ← G_φ(z)                                   (pairs x⁽ⁱ⁾, x̃⁽ⁱ⁾)
/// Δ⁽ⁱ⁾ ← τ·‖x⁽ⁱ⁾ − x̃⁽ⁱ⁾‖₁                                           the margin, a constant
/// S_θ ← γ·(1/m) Σ L_θ(x⁽ⁱ⁾) + (1/m) Σ (Δ⁽ⁱ⁾ + L_θ(x⁽ⁱ⁾) − L_θ(x̃⁽ⁱ⁾))₊
/// θ ← Adam(∇_θ S_θ + wd·θ, α, β)                                     α = 1e-4, β = (0.5, 0.999), wd = 5e-5
/// z ~ p(z);  φ ← Adam(∇_φ (1/m) Σ L_θ(G_φ(z⁽ⁱ⁾)) + wd·φ, α, β)
/// </code>
/// The paper writes the critic's objective E L_θ(x) + λ·E(…)₊; the authors' code weighs the
/// first term instead (γ = 1/λ) and sets γ = 0 for the unconditional model, "as the theorem shows
/// this term can be ignored". The Lipschitz regularity the theory needs comes on images, as in the
/// authors' code, from weight decay on both players (L2, added to the gradients); on toy data
/// (which the authors did not train) from the WGAN-GP penalty on f at interpolates instead
/// (<c>--penalty λ</c>, λ 0.1 as WGAN-GP's toy runs, as the authors' group's lsgan-gp.py
/// penalises its critic; taken on f before the softplus, whose Lipschitz constant bounds L_θ's). The measure of the
/// game is <c>active</c>: the fraction of the last critic batch's hinges that are active
/// (Δ + L(x) − L(x̃) > 0), the pairs that still teach the critic.
/// </summary>
public sealed class LossSensitive : Variant
{
    /// <summary>
    /// τ for images: the authors' 0.0002 is for ‖·‖₁ over 3·64·64 values in [−1, 1]; rescaled to
    /// 784 values in [0, 1] (half the range), the same margin for the same per-pixel difference
    /// is 0.0002 · 12288 · 2 / 784 ≈ 0.0063.
    /// </summary>
    public const float ImageTau = 0.0002f * 12288 * 2 / 784;

    public static readonly VariantOption<float> Tau = new("tau",
        "The margin's scale τ: Δ = τ·‖x − G(z)‖₁ per pair of a real and a generated sample. Default 1 on toy data; on images 0.0063, " +
        "the authors' 0.0002 (for 3·64·64 values in [−1, 1]) rescaled to 28×28 values in [0, 1].",
        1f, ImageTau, t => t > 0 && float.IsFinite(t), "a positive number");

    public static readonly VariantOption<float> Gamma = new("gamma",
        "The weight γ of the mean loss of the real samples in the critic's objective (the paper's 1/λ). Default 0, as the authors' " +
        "lsgan.lua for the unconditional model.",
        0f, g => g >= 0 && float.IsFinite(g), "a number ≥ 0");

    public static readonly VariantOption<string> Positive = new("positive",
        "What makes the loss L_θ(x) non-negative: softplus (default: smooth) or relu (the authors' lsgan.lua; where the critic's " +
        "output is negative at every real and generated sample the game stops: on 8gaussians, seed 1, from the first iteration); " +
        "none takes the critic's output itself, as the authors' group's lsgan-gp.py (with γ = 0 only differences of L enter the game, " +
        "and nothing saturates where L is small).",
        "softplus", _ => true, "softplus, relu or none")
    {
        Choices = ["softplus", "relu", "none"],
    };

    public static readonly VariantOption<float> Decay = new("weight-decay",
        "Weight decay wd of both players (wd·w added to the gradients, as the authors' lsgan.lua): the Lipschitz regularity of the " +
        "paper. Default 5e-5 on images, the authors' suggested value; 0 on toy data, where the penalty serves instead (with weight " +
        "decay alone the toy generator finds 3 of 8 modes in 1,800 iterations).",
        0f, 5e-5f, d => d >= 0 && float.IsFinite(d), "a number ≥ 0");

    public static readonly VariantOption<float> Penalty = new("penalty",
        "The weight λ of a WGAN-GP gradient penalty λ·(‖∇f(x̂)‖ − 1)² on the critic at interpolates, instead of or beside weight decay " +
        "(needs a critic without batch norm: on images --arch gan-mnist). Default 0.1 on toy data (WGAN-GP's toy λ), 0 (none) on images.",
        0.1f, 0f, l => l >= 0 && float.IsFinite(l), "a number ≥ 0");

    public override string Name => "loss-sensitive";
    public override string Summary => "the loss-sensitive GAN (Qi 2017): a loss L(x) ≥ 0 with margin τ‖x − G(z)‖₁, weight decay 5e-5 (toy data: a gradient penalty), Adam 1e-4 β (0.5, 0.999)";
    public override Hyperparameters Defaults => new(Lr: 1e-4f, Beta1: 0.5f, Beta2: 0.999f, ImageBatchSize: 64);
    public override IReadOnlyList<VariantOption> Options => [Tau, Gamma, Positive, Decay, Penalty];
    public override IReadOnlyList<string> MeasureNames => ["active"];
    public override bool UsesInterpolates => true;
    public override IReadOnlyList<string> Examples =>
    [
        "gfs train loss-sensitive --dataset fashion-mnist   (the authors' DCGAN pair with batch norm, weight decay)",
        "gfs train loss-sensitive --dataset fashion-mnist --arch gan-mnist --weight-decay 0 --penalty 10   (the gradient penalty instead)",
        "gfs train loss-sensitive --penalty 0 --weight-decay 5e-5   (toy data with the authors' weight decay instead of the penalty)",
    ];

    public override float WeightDecay(TrainConfig config, string role) => Decay.Of(config);

    public override void CheckPlayers(Players players, TrainConfig config)
    {
        if (Penalty.Of(config) > 0)
            GradientPenalty.RequirePerSampleCritic(players, config);
    }

    /// <summary>L_θ(x) = softplus(f(x)), relu(f(x)) or f(x) itself, [n, 1].</summary>
    public static Tensor Loss(Tensor f, string positive) => positive switch
    {
        "softplus" => f.Softplus(),
        "relu" => f.Relu(),
        _ => f,
    };

    /// <summary>Δ⁽ⁱ⁾ = τ·‖x⁽ⁱ⁾ − x̃⁽ⁱ⁾‖₁ over each pair's values, [n, 1], a constant (no gradient flows into it).</summary>
    public static Tensor Margin(Tensor real, Tensor fake, float tau)
    {
        using var _ = Autograd.NoGrad();
        return tau * (real - fake).Abs().Reshape(real.Shape[0], -1).Sum([1], keepDim: true);
    }

    /// <summary>
    /// The critic's objective γ·mean L(x) + mean (Δ + L(x) − L(x̃))₊ from the losses of paired
    /// real and generated samples and their margins, and the fraction of active hinges.
    /// </summary>
    public static (Tensor Objective, Tensor Active) CriticObjective(Tensor realLoss, Tensor fakeLoss, Tensor margin, float gamma)
    {
        var hinge = margin + realLoss - fakeLoss;
        var objective = hinge.Relu().Mean();
        if (gamma > 0) objective = gamma * realLoss.Mean() + objective;
        Tensor active;
        using (Autograd.NoGrad()) active = Tensor.GreaterMask(hinge, Tensor.ZerosLike(hinge)).Mean();
        return (objective, active);
    }

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var config = game.Config;
        string positive = Positive.Of(config);
        var real = batch.RealSamples;
        var fake = game.Generator.Forward(batch.Noise);                                       // x̃ ← G(z)
        var margin = Margin(real, fake, Tau.Of(config));                                      // Δ = τ‖x − x̃‖₁
        var (objective, active) = CriticObjective(Loss(game.Critic.Forward(real), positive), Loss(game.Critic.Forward(fake), positive), margin, Gamma.Of(config));
        float lambda = Penalty.Of(config);
        var penalty = lambda > 0 ? GradientPenalty.Compute(game.Critic.Forward, real, fake, batch.Alpha!, lambda).Penalty : null;
        return new(objective, penalty) { Diagnostics = [("active", active)] };
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) =>
        Loss(game.Critic.Forward(game.Generator.Forward(batch.Noise)), Positive.Of(game.Config)).Mean();   // (1/m) Σ L(G(z))

    /// <summary>The loss L_θ(x) of each sample: what the toy frames draw.</summary>
    public override Tensor CriticScore(Game game, Tensor samples, Tensor? labels) => Loss(game.Critic.Forward(samples), Positive.Of(game.Config));
}
