using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>The two players, their optimizers and the rules of the game: what a critic or generator step needs.</summary>
public interface IGanPlayers
{
    TrainConfig Config { get; }
    GanVariant Variant { get; }
    Module G { get; }
    Module D { get; }
    Optimizer OptG { get; }
    Optimizer OptD { get; }
}

/// <summary>The losses of one critic step.</summary>
public readonly record struct CriticStepLosses(float CriticW, float Loss, float Penalty);

/// <summary>
/// The two moves of every GAN in this program, whatever the data: a critic step and a
/// generator step. Their random inputs are given, so a step is deterministic.
/// </summary>
public static class GanSteps
{
    /// <summary>
    /// One critic step: score a real batch and a generated one (the generator held fixed), add
    /// the gradient penalty at the interpolates given by <paramref name="alpha"/> (wgan-gp),
    /// take the optimizer step, and clip the weights (wgan). Call inside a <see cref="TensorScope"/>.
    /// </summary>
    public static CriticStepLosses Critic(IGanPlayers p, Tensor real, Tensor noise, Tensor? alpha)
    {
        Tensor fake;
        using (Autograd.NoGrad()) fake = p.G.Forward(noise);
        var loss = p.Variant.CriticLoss(p.D.Forward(real), p.D.Forward(fake));
        var total = loss;
        float penaltyValue = 0;
        if (p.Variant.UsesPenalty)
        {
            var (penalty, _) = GradientPenalty.Compute(p.D.Forward, real, fake, alpha ?? throw new ArgumentNullException(nameof(alpha)), p.Config.Lambda);
            total = loss + penalty;
            penaltyValue = penalty.Item();
        }
        total.Backward();
        p.OptD.Step();
        p.OptD.ZeroGrad();
        if (p.Variant.UsesClipping) WeightClipping.Apply(p.D, p.Config.Clip);
        return new CriticStepLosses(-loss.Item(), total.Item(), penaltyValue);
    }

    /// <summary>
    /// One generator step on the critic's scores of G(noise). The critic is frozen meanwhile,
    /// as the reference scripts do: no gradients are formed for its weights. Call inside a <see cref="TensorScope"/>.
    /// </summary>
    public static float Generator(IGanPlayers p, Tensor noise)
    {
        p.D.RequiresGrad_(false);
        try
        {
            var loss = p.Variant.GeneratorLoss(p.D.Forward(p.G.Forward(noise)));
            loss.Backward();
            p.OptG.Step();
            p.OptG.ZeroGrad();
            return loss.Item();
        }
        finally
        {
            p.D.RequiresGrad_(true);
        }
    }
}
