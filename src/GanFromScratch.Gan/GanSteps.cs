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
/// The losses of one critic step, still on the device: reading them waits for the step's
/// kernels to finish, so a training iteration reads only its last step's (<see cref="Read"/>).
/// </summary>
public readonly record struct CriticStepTensors(Tensor Loss, Tensor Total, Tensor Penalty)
{
    public CriticStepLosses Read() => FromValues(Tensor.Items(Loss, Total, Penalty)); // one read (one wait on a GPU) for the three

    /// <summary>The losses from the values of <see cref="Loss"/>, <see cref="Total"/> and <see cref="Penalty"/>, read in that order.</summary>
    public static CriticStepLosses FromValues(ReadOnlySpan<float> values) => new(-values[0], values[1], values[2]);
}

/// <summary>
/// The two moves of every GAN in this program, whatever the data: a critic step and a
/// generator step. Their random inputs are given, so a step is deterministic.
/// </summary>
public static class GanSteps
{
    /// <summary>Stream k of the run's seed: an independent Philox key per purpose (weights, data, noise, α, …).</summary>
    public static RandomStream Stream(TrainConfig config, ulong k) => new(config.Seed * 0x9E3779B97F4A7C15UL + k * 0xD1B54A32D192ED03UL + k);

    /// <summary>The variant's optimizer over a network's parameters, with the run's settings.</summary>
    public static Optimizer MakeOptimizer(GanVariant variant, TrainConfig config, Module net) => variant.Optimizer switch
    {
        OptimizerKind.RmsProp => new RmsProp(net.NamedParameters(), config.Lr),
        _ => new Adam(net.NamedParameters(), config.Lr, config.Beta1, config.Beta2),
    };

    /// <summary>
    /// One generator iteration: <see cref="TrainConfig.CriticIters"/> critic steps, then one
    /// generator step on fresh noise. <paramref name="realBatches"/>(k) gives the real batches of
    /// all k critic steps at once, stacked along the first axis (one upload, so one wait on a
    /// GPU, per iteration); <paramref name="criticNoise"/> gives each critic step's noise and α.
    /// Each step runs in its own <see cref="TensorScope"/>. The losses are read once, at the end
    /// (the last critic step's and the generator's): nothing else waits for the device. A
    /// non-finite loss stops the run, naming iteration <paramref name="iteration"/>.
    /// </summary>
    public static StepLosses Iteration(IGanPlayers p, int iteration, Func<int, Tensor> realBatches,
        Func<(Tensor Noise, Tensor? Alpha)> criticNoise, Func<Tensor> noise)
    {
        using var whole = TensorScope.Begin();
        int steps = p.Config.CriticIters;
        var real = realBatches(steps);
        int batch = real.Shape[0] / steps;
        CriticStepTensors last = default;
        for (int k = 0; k < steps; k++)
        {
            using var scope = TensorScope.Begin();
            var (z, alpha) = criticNoise();
            var losses = Critic(p, real.Narrow(0, k * batch, batch), z, alpha);
            if (k == steps - 1) last = new(scope.Keep(losses.Loss), scope.Keep(losses.Total), scope.Keep(losses.Penalty));
        }
        Tensor gLoss;
        using (var scope = TensorScope.Begin()) gLoss = scope.Keep(Generator(p, noise()));
        var values = Tensor.Items(last.Loss, last.Total, last.Penalty, gLoss);
        var critic = CriticStepTensors.FromValues(values);
        float g = values[3];
        if (!float.IsFinite(critic.Loss)) throw new NonFiniteLossException(iteration, "critic loss");
        if (!float.IsFinite(g)) throw new NonFiniteLossException(iteration, "generator loss");
        return new StepLosses(critic.CriticW, critic.Loss, g, critic.Penalty);
    }

    /// <summary>
    /// One critic step: score a real batch and a generated one (the generator held fixed), add
    /// the gradient penalty at the interpolates given by <paramref name="alpha"/> (wgan-gp),
    /// take the optimizer step, and clip the weights (wgan). Call inside a <see cref="TensorScope"/>.
    /// </summary>
    public static CriticStepTensors Critic(IGanPlayers p, Tensor real, Tensor noise, Tensor? alpha)
    {
        Tensor fake;
        using (Autograd.NoGrad()) fake = p.G.Forward(noise);
        var loss = p.Variant.CriticLoss(p.D.Forward(real), p.D.Forward(fake));
        var penalty = p.Variant.UsesPenalty
            ? GradientPenalty.Compute(p.D.Forward, real, fake, alpha ?? throw new ArgumentNullException(nameof(alpha)), p.Config.Lambda).Penalty
            : Tensor.Scalar(0f, loss.Backend);
        var total = loss + penalty;
        total.Backward();
        p.OptD.Step();
        p.OptD.ZeroGrad();
        if (p.Variant.UsesClipping) WeightClipping.Apply(p.D, p.Config.Clip);
        return new CriticStepTensors(loss, total, penalty);
    }

    /// <summary>
    /// One generator step on the critic's scores of G(noise). The critic is frozen meanwhile,
    /// as the reference scripts do: no gradients are formed for its weights. Call inside a <see cref="TensorScope"/>.
    /// </summary>
    public static Tensor Generator(IGanPlayers p, Tensor noise)
    {
        p.D.RequiresGrad_(false);
        try
        {
            var loss = p.Variant.GeneratorLoss(p.D.Forward(p.G.Forward(noise)));
            loss.Backward();
            p.OptG.Step();
            p.OptG.ZeroGrad();
            return loss;
        }
        finally
        {
            p.D.RequiresGrad_(true);
        }
    }
}
