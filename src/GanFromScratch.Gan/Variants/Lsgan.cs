using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// Least-squares GAN (Mao et al., 2017), equation (2) of the paper with targets a = 0 (fake),
/// b = 1 (real) and c = 1 (what the generator wants the critic to say):
/// <code>
/// critic:     min ½·E[(D(x) − b)²] + ½·E[(D(G(z)) − a)²]
/// generator:  min ½·E[(D(G(z)) − c)²]
/// </code>
/// A sample on the right side of the decision boundary but far from the real data is still
/// penalised, which gives the generator gradients where the sigmoid cross-entropy saturates.
/// </summary>
public sealed class Lsgan : Variant
{
    public override string Name => "lsgan";
    public override string Summary => "the least-squares GAN (targets 0, 1, 1), Adam 1e-4";
    public override Hyperparameters Defaults => new(Lr: 1e-4f);

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise);
        var real = game.Critic.Forward(batch.RealSamples);
        return new(0.5f * (real - 1f).Square().Mean() + 0.5f * game.Critic.Forward(fake).Square().Mean());
    }

    public override Tensor GeneratorLoss(Game game, Batch batch) =>
        0.5f * (game.Critic.Forward(game.Generator.Forward(batch.Noise)) - 1f).Square().Mean();
}
