using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>
/// A conditional WGAN-GP: the game of <see cref="WganGp"/> (Algorithm 1 of Gulrajani et al.) with
/// both players told the label, as the conditional GAN does (<see cref="Cgan"/>). In the critic's
/// step the generated samples get the real batch's labels, so that each interpolate x̂ = εx + (1 − ε)x̃
/// lies between two samples of one class and is judged with that class:
/// <code>
/// L ← D(x̃, y) − D(x, y) + λ(‖∇_x̂ D(x̂, y)‖₂ − 1)²,   x̃ = G(z, y)
/// </code>
/// </summary>
public sealed class CwganGp : Variant
{
    public override string Name => "cwgan-gp";
    public override string Summary => "a conditional WGAN-GP: G(z, y) and D(x, y), the gradient penalty per class, Adam 1e-4 β (0.5, 0.9), 5 critic steps";
    public override Hyperparameters Defaults => new(Lr: 1e-4f, Beta1: 0.5f, Beta2: 0.9f, CriticSteps: 5);
    public override IReadOnlyList<VariantOption> Options => [WganGp.Lambda];
    public override string DefaultArch => "gan-mnist";
    public override bool NeedsLabels => true;
    public override bool UsesInterpolates => true;

    public override IReadOnlyList<string> Architectures => NetworkBuilder.ConditionalArchitectures;

    public override Players CreatePlayers(NetworkBuilder networks) => networks.ConditionalPlayers();

    public override void CheckPlayers(Players players, TrainConfig config) =>
        GradientPenalty.RequirePerSampleCritic(players, config);

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var (real, labels) = (batch.RealSamples, batch.RealLabels!);
        var fake = game.Generator.Forward(batch.Noise, labels);
        var realScores = game.Critic.Forward(real, labels);
        var objective = game.Critic.Forward(fake, labels).Mean() - realScores.Mean();
        var (penalty, _) = GradientPenalty.Compute(x => game.Critic.Forward(x, labels), real, fake, batch.Alpha!, WganGp.Lambda.Of(game.Config));
        return new(objective, penalty);
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) =>
        -game.Critic.Forward(game.Generator.Forward(batch.Noise, batch.FakeLabels!), batch.FakeLabels!).Mean();
}
