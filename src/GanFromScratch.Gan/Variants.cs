using GanFromScratch.Engine;

namespace GanFromScratch.Gan;

/// <summary>
/// What distinguishes the GAN family members: the critic's loss, the generator's loss, and
/// the default optimizer settings. The training loop is the same for all of them.
/// </summary>
public abstract class GanVariant
{
    public static readonly string[] Names = ["gan", "dcgan", "lsgan", "wgan", "wgan-gp"];

    public abstract string Name { get; }

    /// <summary>One line for the help text.</summary>
    public abstract string Summary { get; }

    /// <summary>Default settings: learning rate, critic steps per generator step, optimizer.</summary>
    public abstract float DefaultLr { get; }
    public virtual int DefaultCriticIters => 1;
    public virtual OptimizerKind Optimizer => OptimizerKind.Adam;
    public virtual bool UsesPenalty => false;
    public virtual bool UsesClipping => false;
    /// <summary>Adam's β₂ unless --beta2 says otherwise (the WGAN-GP authors' 0.9; DCGAN keeps Adam's 0.999).</summary>
    public virtual float DefaultBeta2 => 0.9f;
    /// <summary>True when the variant is defined by an image architecture (dcgan).</summary>
    public virtual bool NeedsImages => false;

    /// <summary>The critic's loss (without any penalty) from its scores on real and generated samples.</summary>
    public abstract Tensor CriticLoss(Tensor realScores, Tensor fakeScores);

    /// <summary>The generator's loss from the critic's scores on its samples.</summary>
    public abstract Tensor GeneratorLoss(Tensor fakeScores);

    public static GanVariant Get(string name, string gLoss = "non-saturating") => name switch
    {
        "gan" => new MinimaxGan(gLoss switch
        {
            "non-saturating" => false,
            "saturating" => true,
            _ => throw new ArgumentException($"Unknown generator loss '{gLoss}'. Valid: non-saturating, saturating."),
        }),
        "dcgan" => new Dcgan(),
        "lsgan" => new LeastSquaresGan(),
        "wgan" => new Wgan(),
        "wgan-gp" => new WganGp(),
        _ => throw new ArgumentException($"Unknown variant '{name}'. Valid variants: {string.Join(", ", Names)}."),
    };
}

public enum OptimizerKind { Adam, RmsProp }

/// <summary>
/// The original GAN (Goodfellow et al., 2014). The critic is a classifier with logit D(x):
/// it minimises −log σ(D(x)) − log(1 − σ(D(G(z)))), written with softplus so that no logarithm
/// of a rounded-off probability is ever taken: −log σ(t) = softplus(−t), −log(1 − σ(t)) = softplus(t).
/// The generator either minimises log(1 − σ(D(G(z)))) (the saturating minimax loss) or, by
/// default, maximises log σ(D(G(z))) (the non-saturating loss), whose gradient is strong exactly
/// when the critic confidently rejects the generator's samples — early in training, when the
/// minimax loss's gradient vanishes.
/// </summary>
public sealed class MinimaxGan(bool saturating) : GanVariant
{
    public bool Saturating { get; } = saturating;
    public override string Name => "gan";
    public override string Summary => "the original minimax GAN (cross-entropy critic), Adam 1e-4";
    public override float DefaultLr => 1e-4f;

    public override Tensor CriticLoss(Tensor realScores, Tensor fakeScores) =>
        (-realScores).Softplus().Mean() + fakeScores.Softplus().Mean();

    public override Tensor GeneratorLoss(Tensor fakeScores) =>
        Saturating ? -fakeScores.Softplus().Mean() : (-fakeScores).Softplus().Mean();
}

/// <summary>
/// DCGAN (Radford et al., 2016): the original GAN's non-saturating losses with the deep
/// convolutional networks of <see cref="ImageNetworks.DcganGenerator"/> (batch norm, strided
/// convolutions) and the paper's Adam settings, lr 2e-4, β = (0.5, 0.999).
/// </summary>
public sealed class Dcgan : GanVariant
{
    private readonly MinimaxGan _losses = new(saturating: false);
    public override string Name => "dcgan";
    public override string Summary => "DCGAN: the GAN's non-saturating loss, convolutional networks with batch norm, Adam 2e-4 β (0.5, 0.999)";
    public override float DefaultLr => 2e-4f;
    public override float DefaultBeta2 => 0.999f;
    public override bool NeedsImages => true;
    public override Tensor CriticLoss(Tensor realScores, Tensor fakeScores) => _losses.CriticLoss(realScores, fakeScores);
    public override Tensor GeneratorLoss(Tensor fakeScores) => _losses.GeneratorLoss(fakeScores);
}

/// <summary>
/// Least-squares GAN (Mao et al., 2017) with targets a = 0 (fake), b = 1 (real), c = 1 (what the
/// generator wants): the critic minimises ½(D(x) − 1)² + ½D(G(z))², the generator ½(D(G(z)) − 1)².
/// </summary>
public sealed class LeastSquaresGan : GanVariant
{
    public override string Name => "lsgan";
    public override string Summary => "least-squares GAN (targets 0, 1, 1), Adam 1e-4";
    public override float DefaultLr => 1e-4f;

    public override Tensor CriticLoss(Tensor realScores, Tensor fakeScores) =>
        0.5f * (realScores - 1f).Square().Mean() + 0.5f * fakeScores.Square().Mean();

    public override Tensor GeneratorLoss(Tensor fakeScores) => 0.5f * (fakeScores - 1f).Square().Mean();
}

/// <summary>
/// Wasserstein GAN (Arjovsky et al., 2017): the critic maximises E[D(x)] − E[D(G(z))], an
/// estimate of the Wasserstein-1 distance when D is 1-Lipschitz, which the original paper
/// enforces by clipping every weight to [−c, c]; RMSProp at 5e-5 and 5 critic steps per
/// generator step, as in the paper.
/// </summary>
public class Wgan : GanVariant
{
    public override string Name => "wgan";
    public override string Summary => "Wasserstein GAN with weight clipping (c = 0.01), RMSProp 5e-5, 5 critic steps";
    public override float DefaultLr => 5e-5f;
    public override int DefaultCriticIters => 5;
    public override OptimizerKind Optimizer => OptimizerKind.RmsProp;
    public override bool UsesClipping => true;

    public override Tensor CriticLoss(Tensor realScores, Tensor fakeScores) => fakeScores.Mean() - realScores.Mean();

    public override Tensor GeneratorLoss(Tensor fakeScores) => -fakeScores.Mean();
}

/// <summary>
/// WGAN with gradient penalty (Gulrajani et al., 2017): the Lipschitz constraint becomes a soft
/// penalty λ·E[(‖∇ₓD(x̂)‖₂ − 1)²] on random interpolates x̂ between real and generated samples
/// (see <see cref="GradientPenalty"/>); Adam 1e-4, β = (0.5, 0.9), 5 critic steps.
/// </summary>
public sealed class WganGp : Wgan
{
    public override string Name => "wgan-gp";
    public override string Summary => "WGAN with gradient penalty λ·(‖∇D(x̂)‖ − 1)², Adam 1e-4 β (0.5, 0.9), 5 critic steps";
    public override float DefaultLr => 1e-4f;
    public override OptimizerKind Optimizer => OptimizerKind.Adam;
    public override bool UsesClipping => false;
    public override bool UsesPenalty => true;
}

/// <summary>The WGAN-GP penalty: the one place where a gradient of a gradient is needed.</summary>
public static class GradientPenalty
{
    /// <summary>
    /// x̂ = αx + (1 − α)x̃ with α ~ U[0, 1] per sample (given, shape [batch, 1, …]); the penalty λ·mean((‖∇ₓD(x̂)‖₂ − 1)²), the
    /// norm over all non-batch dimensions. The gradient ∇ₓD(x̂) is computed with
    /// <c>createGraph: true</c>, so the penalty can itself be differentiated with respect to the
    /// critic's weights. Also returns the mean gradient norm, a diagnostic (a one-element tensor
    /// outside the graph, so that reading it is the caller's choice: on a GPU a read waits).
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
}
