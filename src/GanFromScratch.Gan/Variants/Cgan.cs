using GanFromScratch.Gan.Data;
using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// The conditional GAN (Mirza &amp; Osindero, 2014): the original GAN's game with both players
/// told the label y — the generator makes G(z, y), the critic judges D(x, y) — so that after
/// training one asks the generator for a class:
/// <code>
/// min_G max_D  E[log σ(D(x, y))] + E[log(1 − σ(D(G(z, y'), y')))]
/// </code>
/// x, y a real batch with its labels; y' labels drawn uniformly for the generator. The label
/// enters through learned embeddings (<see cref="ConditionalGenerator"/>, <see cref="ConditionalCritic"/>);
/// the generator's loss is the non-saturating −log σ(D(G(z, y'), y')), DCGAN's Adam settings.
/// </summary>
public sealed class Cgan : Variant
{
    public override string Name => "cgan";
    public override string Summary => "the conditional GAN: G(z, y) and D(x, y), the label embedded into both, the GAN's non-saturating loss, Adam 2e-4 β (0.5, 0.999)";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta2: 0.999f);
    public override bool NeedsLabels => true;
    public override IReadOnlyList<string> Examples => ["gfs sample --checkpoint runs/cgan-fashion-mnist/checkpoint.safetensors --class 3 -n 16 --out dresses.png"];

    /// <summary>The image networks of gan-mnist or dcgan with the label embedded, or BigGAN's (<c>--arch biggan</c>).</summary>
    public override IReadOnlyList<string> Architectures => [.. ImageNetworks.Names, BigGanNetworks.Name];

    public override Latent Latent(TrainConfig config, DataShape data) =>
        NetworkBuilder.UsesBigGan(config) ? new(BigGanNetworks.NoiseSize) : base.Latent(config, data);

    public override Players CreatePlayers(NetworkBuilder networks) => networks.ConditionalPlayers();

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise, batch.FakeLabels!);
        var real = game.Critic.Forward(batch.RealSamples, batch.RealLabels!);
        return new(Gan.CrossEntropy(real, game.Critic.Forward(fake, batch.FakeLabels!)));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) =>
        Gan.NonSaturating(game.Critic.Forward(game.Generator.Forward(batch.Noise, batch.FakeLabels!), batch.FakeLabels!));
}
