using GanFromScratch.Gan.Data;
using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// The original GAN (Goodfellow et al., 2014), Algorithm 1 of the paper. The critic (the paper's
/// discriminator) is a classifier with logit D(x), trained to tell real samples from generated
/// ones; the generator, to fool it:
/// <code>
/// for k steps:  ascend  (1/m) Σ log σ(D(x⁽ⁱ⁾)) + log(1 − σ(D(G(z⁽ⁱ⁾))))     the critic
/// then:         descend (1/m) Σ log(1 − σ(D(G(z⁽ⁱ⁾))))                      the generator (saturating)
///          or:  ascend  (1/m) Σ log σ(D(G(z⁽ⁱ⁾)))                           (non-saturating, the default)
/// </code>
/// The logarithms are written with softplus, −log σ(t) = softplus(−t) and −log(1 − σ(t)) =
/// softplus(t), so that no logarithm of a rounded-off probability is ever taken. The paper's
/// own advice (section 3) is the non-saturating loss: its gradient is strong exactly when the
/// critic confidently rejects the samples — early in training, when the saturating one vanishes.
/// </summary>
public sealed class Gan : Variant
{
    public static readonly VariantOption<string> GeneratorObjective = new("g-loss",
        "The generator's loss. non-saturating (default) maximises log D(G(z)), whose gradient is strong while the critic rejects the " +
        "samples — early in training; saturating minimises log(1 − D(G(z))), the original minimax game, whose gradient then vanishes.",
        "non-saturating", _ => true, "non-saturating or saturating")
    {
        Choices = ["non-saturating", "saturating"],
    };

    public override string Name => "gan";
    public override string Summary => "the original minimax GAN (cross-entropy critic), Adam 1e-4";
    public override Hyperparameters Defaults => new(Lr: 1e-4f);
    public override IReadOnlyList<DataKind> Accepts => [DataKind.Toy, DataKind.Images, DataKind.Text];
    public override IReadOnlyList<VariantOption> Options => [GeneratorObjective];
    public override IReadOnlyList<string> Examples => ["gfs train gan --g-loss saturating   (the original minimax loss)"];

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise);
        return new(CrossEntropy(game.Critic.Forward(batch.RealSamples), game.Critic.Forward(fake)));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch)
    {
        var scores = game.Critic.Forward(game.Generator.Forward(batch.Noise));
        return GeneratorObjective.Of(game.Config) == "saturating" ? Saturating(scores) : NonSaturating(scores);
    }

    /// <summary>The critic's loss: −log σ(D(x)) − log(1 − σ(D(G(z)))), averaged over each batch.</summary>
    public static Tensor CrossEntropy(Tensor realScores, Tensor fakeScores) =>
        (-realScores).Softplus().Mean() + fakeScores.Softplus().Mean();

    /// <summary>The generator's non-saturating loss: −log σ(D(G(z))).</summary>
    public static Tensor NonSaturating(Tensor fakeScores) => (-fakeScores).Softplus().Mean();

    /// <summary>The generator's saturating (minimax) loss: log(1 − σ(D(G(z)))).</summary>
    public static Tensor Saturating(Tensor fakeScores) => -fakeScores.Softplus().Mean();
}
