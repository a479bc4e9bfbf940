using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// A fully connected layer with weight normalization (Salimans &amp; Kingma 2016):
/// <code>
/// W = g ⊙ v / ‖v‖    (each output unit's row v scaled to the learned length g)
/// y = x·Wᵀ + b
/// </code>
/// so that the direction and the length of each unit's weights learn separately. v [out, in]
/// starts N(0, <paramref name="std"/>²) and g [out, 1] at ‖v‖, so the layer starts as the plain
/// Linear of v (PyTorch's <c>weight_norm</c> starts the same way, with the same names:
/// <c>weight_v</c>, <c>weight_g</c>); b starts at 0. The gradient reaches v and g through W, by the
/// ops it is made of, so second derivatives come for free.
/// With <c>learnLength: false</c>, g is a buffer: saved with the layer but never trained — the
/// hidden layers of Salimans et al.'s networks, whose lengths only their data-dependent
/// initialisation (<see cref="InitializeFromData"/>) sets.
/// </summary>
public sealed class WeightNormLinear : Module
{
    public WeightNormLinear(int inFeatures, int outFeatures, RandomStream random, float std = 0.05f, bool bias = true, bool learnLength = true)
    {
        if (inFeatures < 1 || outFeatures < 1)
            throw new ArgumentException($"WeightNormLinear needs positive sizes, got in={inFeatures}, out={outFeatures}.");
        (InFeatures, OutFeatures, LearnsLength) = (inFeatures, outFeatures, learnLength);
        var v = Tensor.Randn([outFeatures, inFeatures], random, 0f, std);
        Direction = RegisterParameter("weight_v", v);
        Tensor g;
        using (Autograd.NoGrad()) g = RowNorms(v);
        Length = learnLength ? RegisterParameter("weight_g", g) : RegisterBuffer("weight_g", g);
        if (bias) Bias = RegisterParameter("bias", Tensor.Full([outFeatures], 0f));
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }

    /// <summary>Whether g is a parameter (trained) or a buffer (fixed once initialised).</summary>
    public bool LearnsLength { get; }

    /// <summary>v: the rows' directions (any length).</summary>
    public Tensor Direction { get; }

    /// <summary>g: the rows' lengths, [out, 1].</summary>
    public Tensor Length { get; }

    public Tensor? Bias { get; }

    /// <summary>W = g ⊙ v / ‖v‖, a function of the parameters.</summary>
    public Tensor Weight => Normalized(Direction, Length);

    /// <summary>g ⊙ v / ‖v‖ row by row: v [out, in], g [out, 1].</summary>
    public static Tensor Normalized(Tensor v, Tensor g) => v * (g / RowNorms(v));

    /// <summary>x·(g ⊙ v / ‖v‖)ᵀ + b: what the layer computes, from given parameters.</summary>
    public static Tensor Compute(Tensor x, Tensor v, Tensor g, Tensor? b) => Tensor.Linear(x, Normalized(v, g), b, Kernels.GemmActivation.None, 0f);

    private static Tensor RowNorms(Tensor v) => v.Square().Sum(1, keepDim: true).Sqrt();

    /// <summary>
    /// Salimans &amp; Kingma's data-dependent initialisation, as the authors' code does it: with the
    /// rows at unit length, the pre-activations t = x·(v/‖v‖)ᵀ of the batch <paramref name="x"/>
    /// have per unit a mean μ and a standard deviation σ (over the batch, not Bessel-corrected);
    /// then g = 1/σ and b = −μ/σ, so that the layer's outputs on this batch have mean 0 and
    /// standard deviation 1. Returns those outputs, (t − μ)/σ, for the next layer's initialisation.
    /// </summary>
    public Tensor InitializeFromData(Tensor x)
    {
        if (Bias is null) throw new InvalidOperationException("A data-dependent initialisation sets the bias; this layer has none.");
        using var _ = Autograd.NoGrad();
        var t = Compute(x, Direction, Tensor.Full([OutFeatures, 1], 1f, Direction.Backend), null);
        var mu = t.Mean(0);
        var centered = t - mu;
        var sigma = centered.Square().Mean(0).Sqrt();
        if (sigma.ToArray().Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException("A data-dependent initialisation needs every unit's pre-activations to vary over the batch; some are constant (give more, or other, samples).");
        Length.CopyFrom((1f / sigma).Reshape(OutFeatures, 1));
        Bias.CopyFrom(-1f * mu / sigma);
        return centered / sigma;
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != InFeatures)
            throw new ArgumentException($"WeightNormLinear({InFeatures}→{OutFeatures}) expects input [batch, {InFeatures}], got {Shapes.Format(x.Shape)}.");
        return Compute(x, Direction, Length, Bias);
    }
}
