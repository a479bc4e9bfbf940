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
/// <c>--loss hinge</c> plays the same conditional game with the hinge loss instead (<see cref="Hinge"/>).
/// </summary>
public sealed class Cgan : Variant
{
    public static readonly VariantOption<string> Loss = new("loss",
        "The game's loss: cross-entropy (the conditional GAN's, default) or hinge — the critic's mean relu(1 − D(x, y)) + mean " +
        "relu(1 + D(G(z, y'), y')), the generator's −mean D(G(z, y'), y'), as SN-GAN and BigGAN play it (with --arch biggan and " +
        "--spectral-norm both, BigGAN's game).",
        "cross-entropy", _ => true, "cross-entropy or hinge")
    {
        Choices = ["cross-entropy", "hinge"],
    };

    public override string Name => "cgan";
    public override string Summary => "the conditional GAN: G(z, y) and D(x, y), the label embedded into both, the GAN's non-saturating loss, Adam 2e-4 β (0.5, 0.999)";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta2: 0.999f);
    public override bool NeedsLabels => true;
    public override IReadOnlyList<VariantOption> Options => [Loss];
    public override IReadOnlyList<string> Examples =>
    [
        "gfs sample --checkpoint runs/cgan-fashion-mnist/checkpoint.safetensors --class 3 -n 16 --out dresses.png",
        "gfs train cgan --dataset fashion-mnist --arch biggan --loss hinge --spectral-norm both   (BigGAN's networks and game, cgan's settings)",
    ];

    public override IReadOnlyList<string> Architectures => NetworkBuilder.ConditionalArchitectures;

    public override Players CreatePlayers(NetworkBuilder networks) => networks.ConditionalPlayers();

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise, batch.FakeLabels!);
        var real = game.Critic.Forward(batch.RealSamples, batch.RealLabels!);
        var scores = game.Critic.Forward(fake, batch.FakeLabels!);
        return new(Hinged(game) ? Hinge.CriticObjective(real, scores) : Gan.CrossEntropy(real, scores));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch)
    {
        var scores = game.Critic.Forward(game.Generator.Forward(batch.Noise, batch.FakeLabels!), batch.FakeLabels!);
        return Hinged(game) ? Hinge.GeneratorObjective(scores) : Gan.NonSaturating(scores);
    }

    private static bool Hinged(Game game) => Loss.Of(game.Config) == "hinge";
}
