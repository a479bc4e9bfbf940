using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// The hinge-loss GAN (Lim &amp; Ye 2017; Tran et al. 2017), the game of SN-GAN (Miyato et al. 2018)
/// and BigGAN (Brock et al. 2019): the critic is a margin classifier, the generator raises its score.
/// <code>
/// critic:     min E[relu(1 − D(x))] + E[relu(1 + D(G(z)))]
/// generator:  min −E[D(G(z))]
/// </code>
/// Real samples scored above 1 and generated ones below −1 teach the critic nothing more, so it
/// does not push scores without end; the generator's loss is WGAN's. With SN-GAN's settings:
/// spectral normalization on every critic layer (<c>--spectral-norm critic</c>), Adam 2e-4,
/// β (0.5, 0.999), one critic step, a critic without batch norm (<c>gan-mnist</c> on images).
/// </summary>
public sealed class Hinge : Variant
{
    public override string Name => "hinge";
    public override string Summary => "the hinge-loss GAN of SN-GAN and BigGAN, spectral norm on the critic, Adam 2e-4 β (0.5, 0.999)";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta1: 0.5f, Beta2: 0.999f, SpectralNorm: "critic");
    public override string DefaultArch => "gan-mnist";

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise);
        return new(CriticObjective(game.Critic.Forward(batch.RealSamples), game.Critic.Forward(fake)));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) => GeneratorObjective(game.Critic.Forward(game.Generator.Forward(batch.Noise)));

    /// <summary>The critic's hinge loss: mean relu(1 − D(x)) + mean relu(1 + D(G(z))).</summary>
    public static Tensor CriticObjective(Tensor realScores, Tensor fakeScores) =>
        (1f - realScores).Relu().Mean() + (1f + fakeScores).Relu().Mean();

    /// <summary>The generator's loss: −mean D(G(z)).</summary>
    public static Tensor GeneratorObjective(Tensor fakeScores) => -fakeScores.Mean();
}
