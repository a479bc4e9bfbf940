using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>
/// DCGAN (Radford et al., 2016): the original GAN's game with its non-saturating loss
/// (<see cref="Gan"/>), played by deep convolutional networks — strided convolutions, batch norm
/// in both networks, ReLU in the generator and LeakyReLU(0.2) in the critic, weights N(0, 0.02²)
/// (<see cref="ImageNetworks.DcganGenerator"/>) — with the paper's Adam settings, lr 2e-4,
/// β = (0.5, 0.999). What the paper contributes is the architecture, so it trains on images only.
/// </summary>
public sealed class Dcgan : Variant
{
    public override string Name => "dcgan";
    public override string Summary => "DCGAN: the GAN's non-saturating loss, convolutional networks with batch norm, Adam 2e-4 β (0.5, 0.999)";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta2: 0.999f);
    public override IReadOnlyList<DataKind> Accepts => [DataKind.Images];

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise);
        return new(Gan.CrossEntropy(game.Critic.Forward(batch.RealSamples), game.Critic.Forward(fake)));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) =>
        Gan.NonSaturating(game.Critic.Forward(game.Generator.Forward(batch.Noise)));
}
