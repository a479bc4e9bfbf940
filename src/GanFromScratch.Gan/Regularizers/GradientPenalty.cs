using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The WGAN-GP penalty (Gulrajani et al., 2017): a soft version of the critic's 1-Lipschitz
/// constraint, λ·E[(‖∇ₓD(x̂)‖₂ − 1)²] at random interpolates x̂ between real and generated samples.
/// The one place where a gradient of a gradient is needed: the penalty depends on ∇ₓD, and the
/// critic's step differentiates it again, with respect to the critic's weights.
/// </summary>
public static class GradientPenalty
{
    /// <summary>
    /// x̂ = αx + (1 − α)x̃ with α ~ U[0, 1] per sample (given, shape [batch, 1, …]); the penalty
    /// λ·mean((‖∇ₓD(x̂)‖₂ − 1)²), the norm over all non-batch dimensions. The gradient ∇ₓD(x̂) is
    /// computed with <c>createGraph: true</c>, so the penalty can itself be differentiated with
    /// respect to the critic's weights. Also returns the mean gradient norm, a diagnostic (a
    /// one-element tensor outside the graph, so that reading it is the caller's choice: on a GPU a read waits).
    /// </summary>
    public static (Tensor Penalty, Tensor MeanNorm) Compute(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, Tensor alpha, float lambda)
    {
        int batch = real.Shape[0];
        var interpolates = (alpha * real + (1f - alpha) * fake).Detach().RequiresGrad_();
        var scores = critic(interpolates);
        var gradient = Autograd.Grad([scores], [interpolates], [Tensor.OnesLike(scores)], createGraph: true)[0]!;
        var norms = gradient.Reshape(batch, -1).Norm([1]);
        Tensor meanNorm;
        using (Autograd.NoGrad()) meanNorm = norms.Mean();
        return (lambda * (norms - 1f).Square().Mean(), meanNorm);
    }

    /// <summary>
    /// The penalty is taken per sample: ‖∇ₓD(x̂ᵢ)‖ must depend on x̂ᵢ alone. Batch norm mixes the
    /// samples of a batch, so the penalty would be wrong: such a critic is refused.
    /// </summary>
    public static void RequirePerSampleCritic(Players players, TrainConfig config) =>
        RequirePerSampleCritic(players.Critic, config.Kind == Data.DataKind.Images ? config.ChosenArch : "toy");

    /// <inheritdoc cref="RequirePerSampleCritic(Players, TrainConfig)"/>
    public static void RequirePerSampleCritic(Module critic, string arch)
    {
        if (critic.Modules().OfType<BatchNorm>().Any())
            throw new ArgumentException(
                $"The '{arch}' critic has batch norm, which mixes the samples of a batch, so a per-sample gradient penalty is " +
                "invalid with it. Use --arch gan-mnist (no normalization) or a critic with layer norm.");
    }
}
