using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>y = x·Wᵀ + b, W of shape [out, in] as in PyTorch (so weights load unchanged).</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, Generator generator, bool bias = true)
    {
        if (inFeatures < 1 || outFeatures < 1)
            throw new ArgumentException($"Linear needs positive sizes, got in={inFeatures}, out={outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.LinearDefaultWeight(outFeatures, inFeatures, generator));
        if (bias) Bias = RegisterParameter("bias", Init.LinearDefaultBias(outFeatures, inFeatures, generator));
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 2 || x.Shape[1] != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}→{OutFeatures}) expects input [batch, {InFeatures}], got {Shape.Format(x.Shape)}.");
        var y = Tensor.MatMulT(x, Weight, transA: false, transB: true);
        return Bias is null ? y : y + Bias;
    }
}

/// <summary>Applies its children in order; they are named "0", "1", … as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly Module[] _layers;

    public Sequential(params Module[] layers)
    {
        _layers = layers;
        for (int i = 0; i < layers.Length; i++) RegisterModule(i.ToString(), layers[i]);
    }

    public IReadOnlyList<Module> Layers => _layers;

    public override Tensor Forward(Tensor x)
    {
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }
}

/// <summary>Activation functions as modules, for use in <see cref="Sequential"/>.</summary>
public sealed class Relu : Module
{
    public override Tensor Forward(Tensor x) => x.Relu();
}

public sealed class LeakyRelu(float slope = 0.2f) : Module
{
    public float Slope { get; } = slope;
    public override Tensor Forward(Tensor x) => x.LeakyRelu(Slope);
}

public sealed class Tanh : Module
{
    public override Tensor Forward(Tensor x) => x.Tanh();
}

public sealed class Sigmoid : Module
{
    public override Tensor Forward(Tensor x) => x.Sigmoid();
}
