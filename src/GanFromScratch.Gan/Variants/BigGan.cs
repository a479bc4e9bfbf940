using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>
/// BigGAN (Brock et al. 2019) at 28×28: a class-conditional hinge GAN assembled from the parts gfs
/// lets any variant switch on —
/// <code>
/// networks   residual G with a shared class embedding, skip-z and conditional batch norm;
///            residual D with a projection head (BigGanNetworks)
/// critic     min E[relu(1 − D(x, y))] + E[relu(1 + D(G(z, y'), y'))]          (Hinge)
/// generator  min −E[D(G(z, y'), y')] + β‖WWᵀ ⊙ (1 − I)‖²_F                    (β = 1e-4, --ortho)
/// both       spectral normalization of every layer (--spectral-norm both)
/// samples    from a moving average of G (--ema 0.999; fd and fd_raw)
/// Adam       G 5e-5, D 2e-4, β (0, 0.999), 2 critic steps per generator step
/// </code>
/// BigGAN's learning rates and betas; the moving average's decay is BigGAN's 0.9999 shortened to
/// 0.999 for runs of thousands of iterations, not hundreds of thousands; its noise z ∈ ℝ⁹⁶ ~ N(0, 1),
/// so <c>gfs sample --truncation T</c> and <c>gfs eval --truncation-curve</c> apply.
/// </summary>
public sealed class BigGan : Variant
{
    public override string Name => "biggan";
    public override string Summary => "BigGAN at 28×28: residual networks, shared embedding, skip-z, conditional BN, projection critic, hinge loss, spectral norm, ortho 1e-4, EMA 0.999, Adam G 5e-5 D 2e-4 β (0, 0.999), 2 critic steps";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta1: 0f, Beta2: 0.999f, CriticSteps: 2, LrG: 5e-5f, LrD: 2e-4f,
        SpectralNorm: "both", Ortho: 1e-4f, EmaDecay: 0.999f);
    public override bool NeedsLabels => true;
    public override IReadOnlyList<DataKind> Accepts => [DataKind.Images];
    public override string DefaultArch => BigGanNetworks.Name;
    public override IReadOnlyList<string> Architectures => [BigGanNetworks.Name];
    public override IReadOnlyList<string> Examples =>
    [
        "gfs train biggan --dataset fashion-mnist --dim 32   (half the channels, for a quicker run)",
        "gfs eval --checkpoint runs/biggan-fashion-mnist/checkpoint.safetensors --truncation-curve",
    ];

    public override Players CreatePlayers(NetworkBuilder networks) => networks.ConditionalPlayers();

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise, batch.FakeLabels!);
        return new(Hinge.CriticObjective(game.Critic.Forward(batch.RealSamples, batch.RealLabels!), game.Critic.Forward(fake, batch.FakeLabels!)));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) =>
        Hinge.GeneratorObjective(game.Critic.Forward(game.Generator.Forward(batch.Noise, batch.FakeLabels!), batch.FakeLabels!));
}
