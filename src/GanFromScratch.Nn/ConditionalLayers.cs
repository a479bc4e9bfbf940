using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// Conditional batch norm (de Vries et al. 2017; BigGAN's class-conditional batch norm with a
/// shared embedding): the batch is normalized per channel without a learned scale and shift of
/// its own, and the scale and shift come from a condition vector e per sample —
/// <code>
/// y = x̂ · (1 + W_g e + b_g) + (W_b e + b_b)       x̂ = (x − μ_B) / √(σ²_B + ε)
/// </code>
/// e is whatever the generator conditions on: in BigGAN the class's shared embedding, joined
/// with this block's chunk of z. The gain is 1 + Linear(e) so that a layer starts near plain batch
/// norm. Running statistics as <see cref="BatchNorm"/>'s, used in evaluation mode.
/// </summary>
public sealed class ConditionalBatchNorm : Module, IRunningStatistics
{
    public ConditionalBatchNorm(int channels, int conditionSize, RandomStream random, float eps = 1e-5f, float momentum = 0.1f)
    {
        if (channels < 1 || conditionSize < 1)
            throw new ArgumentException($"ConditionalBatchNorm needs positive sizes, got channels={channels}, condition={conditionSize}.");
        (Channels, ConditionSize, Eps, Momentum) = (channels, conditionSize, eps, momentum);
        Gain = RegisterModule("gain", new Linear(conditionSize, channels, random));
        Shift = RegisterModule("bias", new Linear(conditionSize, channels, random));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(channels));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones(channels));
    }

    public int Channels { get; }
    public int ConditionSize { get; }
    public float Eps { get; }
    public float Momentum { get; private set; }

    float IRunningStatistics.Momentum { get => Momentum; set => Momentum = value; }

    /// <summary>e ↦ W_g e + b_g: the gain's offset from 1.</summary>
    public Linear Gain { get; }

    /// <summary>e ↦ W_b e + b_b: the shift.</summary>
    public Linear Shift { get; }

    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }

    /// <summary>The ranks whose rows the batch statistics are taken over in training (synchronized batch norm), or null: this process's rows.</summary>
    public Engine.Distributed.ICollective? Ranks { get; set; }

    public override Tensor Forward(Tensor x) =>
        throw new InvalidOperationException("ConditionalBatchNorm needs its condition: call Forward(x, e).");

    /// <param name="x">[n, C] or [n, C, H, W].</param>
    /// <param name="condition">e, [n, <see cref="ConditionSize"/>].</param>
    public override Tensor Forward(Tensor x, Tensor condition)
    {
        if (condition.Rank != 2 || condition.Shape[0] != x.Shape[0] || condition.Shape[1] != ConditionSize)
            throw new ArgumentException($"ConditionalBatchNorm({Channels}, condition {ConditionSize}) expects a condition [{x.Shape[0]}, {ConditionSize}], got {Shapes.Format(condition.Shape)}.");
        var normalized = BatchNorm.Normalize(x, null, null, RunningMean, RunningVar, Eps, Momentum, Training, "ConditionalBatchNorm", Ranks);
        return Modulate(normalized, Gain.Forward(condition), Shift.Forward(condition));
    }

    /// <summary>x̂ · (1 + g) + b, g and b [n, C] broadcast over the positions of [n, C, …].</summary>
    public static Tensor Modulate(Tensor normalized, Tensor gain, Tensor shift)
    {
        int[] perChannel = [normalized.Shape[0], normalized.Shape[1], .. Enumerable.Repeat(1, normalized.Rank - 2)];
        return normalized * (1f + gain).Reshape(perChannel) + shift.Reshape(perChannel);
    }

    /// <summary>The layer in training mode from given parameters (for golden tests): batch statistics, no running averages.</summary>
    public static Tensor Compute(Tensor x, Tensor condition, Tensor gainWeight, Tensor gainBias, Tensor shiftWeight, Tensor shiftBias, float eps = 1e-5f) =>
        Modulate(Tensor.BatchNorm(x, null, null, eps, out _, out _),
            Tensor.Linear(condition, gainWeight, gainBias, Kernels.GemmActivation.None, 0f),
            Tensor.Linear(condition, shiftWeight, shiftBias, Kernels.GemmActivation.None, 0f));
}

/// <summary>
/// The projection discriminator's head (Miyato &amp; Koyama 2018), as BigGAN's critic ends: from
/// pooled features h [n, F] and the class y,
/// <code>
/// D(x, y) = ψ(h) + ⟨embed(y), h⟩          ψ a Linear F → 1, embed a learned F-vector per class
/// </code>
/// — the critic's unconditional score plus the inner product of the features with the class's
/// vector, which is what the log-likelihood ratio of a conditional model takes when p(y | x) is a
/// log-linear model of h.
/// </summary>
public sealed class ProjectionHead : Module
{
    public ProjectionHead(int features, int classes, RandomStream random)
    {
        Psi = RegisterModule("psi", new Linear(features, 1, random));
        Embed = RegisterModule("embed", new Embedding(classes, features, random));
    }

    public Linear Psi { get; }
    public Embedding Embed { get; }

    public override Tensor Forward(Tensor h) =>
        throw new InvalidOperationException("ProjectionHead needs the class: call Forward(h, labels).");

    /// <param name="h">Pooled features [n, F].</param>
    /// <param name="labels">Class indices held in floats, [n].</param>
    /// <remarks>ψ through its own Forward, so that its spectral normalization (if on) applies.</remarks>
    public override Tensor Forward(Tensor h, Tensor labels) => Psi.Forward(h) + Projection(h, labels, Embed.Weight);

    /// <summary>ψ(h) + ⟨embed(y), h⟩ from given parameters, [n, 1].</summary>
    public static Tensor Compute(Tensor h, Tensor labels, Tensor psiWeight, Tensor psiBias, Tensor embedding) =>
        Tensor.Linear(h, psiWeight, psiBias, Kernels.GemmActivation.None, 0f) + Projection(h, labels, embedding);

    /// <summary>⟨embed(y), h⟩ per sample, [n, 1].</summary>
    private static Tensor Projection(Tensor h, Tensor labels, Tensor embedding) =>
        (Tensor.IndexSelect(embedding, labels) * h).Sum([1], keepDim: true);
}
