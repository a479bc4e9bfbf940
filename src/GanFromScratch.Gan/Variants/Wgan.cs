using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// Wasserstein GAN (Arjovsky et al., 2017), Algorithm 1 of the paper. The critic f estimates the
/// Wasserstein-1 distance between the real and generated distributions, E[f(x)] − E[f(G(z))],
/// which is exact when f is 1-Lipschitz; the paper keeps f Lipschitz by clipping its weights:
/// <code>
/// for t = 1 … n_critic (5):
///     g_w ← ∇_w [(1/m) Σ f_w(x⁽ⁱ⁾) − (1/m) Σ f_w(g_θ(z⁽ⁱ⁾))]
///     w ← w + α·RMSProp(w, g_w);  w ← clip(w, −c, c)        α = 5e-5, c = 0.01
/// g_θ ← −∇_θ (1/m) Σ f_w(g_θ(z⁽ⁱ⁾));  θ ← θ − α·RMSProp(θ, g_θ)
/// </code>
/// Ascending the estimate is descending its negation, the objective below; critic_w reports the estimate.
/// </summary>
public sealed class Wgan : Variant
{
    public static readonly VariantOption<float> Clip = new("clip",
        "The clipping bound c: every critic weight is clamped to [−c, c] after each critic step.",
        0.01f, c => c > 0 && float.IsFinite(c), "a positive number");

    public override string Name => "wgan";
    public override string Summary => "the Wasserstein GAN with weight clipping (c = 0.01), RMSProp 5e-5, 5 critic steps";
    public override Hyperparameters Defaults => new(Lr: 5e-5f, CriticSteps: 5, Optimizer: OptimizerKind.RmsProp);
    public override IReadOnlyList<VariantOption> Options => [Clip];
    public override string DefaultArch => "gan-mnist";

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Generator.Forward(batch.Noise);
        var real = game.Critic.Forward(batch.RealSamples);
        return new(game.Critic.Forward(fake).Mean() - real.Mean());
    }

    public override void AfterCriticStep(Game game) => WeightClipping.Apply(game.Critic, Clip.Of(game.Config));

    public override Tensor GeneratorLoss(Game game, Batch batch) => -game.Critic.Forward(game.Generator.Forward(batch.Noise)).Mean();
}
