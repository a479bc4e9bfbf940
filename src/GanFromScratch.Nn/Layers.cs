using GanFromScratch.Kernels;
using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// A layer computed by one GEMM, which can apply the activation that follows it in the same
/// kernel (<see cref="GemmEpilogue"/>). <see cref="Sequential"/> fuses such a layer with a
/// following <see cref="Relu"/> or <see cref="LeakyRelu"/>.
/// </summary>
public interface IFusesActivation
{
    /// <summary>act(layer(x)): the same result as the layer followed by the activation, in one kernel.</summary>
    Tensor Forward(Tensor x, GemmActivation activation, float slope = 0f);
}

/// <summary>y = x·Wᵀ + b, W of shape [out, in] as in PyTorch (so weights load unchanged).</summary>
public sealed class Linear : Module, IFusesActivation, IWeightedLayer
{
    public Linear(int inFeatures, int outFeatures, RandomStream random, bool bias = true)
    {
        if (inFeatures < 1 || outFeatures < 1)
            throw new ArgumentException($"Linear needs positive sizes, got in={inFeatures}, out={outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.LinearDefaultWeight(outFeatures, inFeatures, random));
        if (bias) Bias = RegisterParameter("bias", Init.LinearDefaultBias(outFeatures, inFeatures, random));
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    /// <summary>The spectral normalization of the weight, if switched on (<see cref="WithSpectralNorm"/>).</summary>
    public SpectralNorm? SpectralNorm { get; private set; }

    /// <summary>Computes with W/σ̂(W) from now on (<see cref="Nn.SpectralNorm"/>); returns this.</summary>
    public Linear WithSpectralNorm(RandomStream random, int powerIterations = 1)
    {
        SpectralNorm ??= Nn.SpectralNorm.Attach(this, Weight, 0, random, powerIterations);
        return this;
    }

    IWeightedLayer IWeightedLayer.WithSpectralNorm(RandomStream random, int powerIterations) => WithSpectralNorm(random, powerIterations);

    public override Tensor Forward(Tensor x) => Forward(x, GemmActivation.None);

    /// <summary>act(x·Wᵀ + b) in one kernel: the bias and the activation are the GEMM's epilogue (<see cref="Tensor.Linear"/>).</summary>
    public Tensor Forward(Tensor x, GemmActivation activation, float slope = 0f)
    {
        if (x.Rank != 2 || x.Shape[1] != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}→{OutFeatures}) expects input [batch, {InFeatures}], got {Shapes.Format(x.Shape)}.");
        return Tensor.Linear(x, SpectralNorm?.Apply(Weight, Training) ?? Weight, Bias, activation, slope);
    }
}

/// <summary>
/// A table of <paramref name="count"/> learned vectors of <paramref name="dim"/> numbers, looked up
/// by index, as PyTorch's <c>nn.Embedding</c> (weight [count, dim], initialised N(0, 1)). Forward
/// takes indices [n] held in floats and gives [n, dim]; the gradient of a row is the sum of the
/// gradients of its lookups (<see cref="Tensor.IndexSelect"/>).
/// </summary>
public sealed class Embedding : Module
{
    public Embedding(int count, int dim, RandomStream random)
    {
        if (count < 1 || dim < 1) throw new ArgumentException($"Embedding needs positive sizes, got count={count}, dim={dim}.");
        (Count, Dim) = (count, dim);
        Weight = RegisterParameter("weight", Tensor.Randn([count, dim], random));
    }

    public int Count { get; }
    public int Dim { get; }
    public Tensor Weight { get; }

    public override Tensor Forward(Tensor indices) => Tensor.IndexSelect(Weight, indices);
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
        for (int i = 0; i < _layers.Length; i++)
        {
            // A linear or convolution layer and the activation after it run as one kernel.
            if (_layers[i] is IFusesActivation layer && i + 1 < _layers.Length && FusedActivation(_layers[i + 1]) is (var activation, var slope))
            {
                x = layer.Forward(x, activation, slope);
                i++;
            }
            else x = _layers[i].Forward(x);
        }
        return x;
    }

    /// <summary>The activation a GEMM epilogue can apply in place of <paramref name="layer"/>, if any.</summary>
    private static (GemmActivation, float)? FusedActivation(Module layer) => layer switch
    {
        Relu => (GemmActivation.Relu, 0f),
        LeakyRelu { Slope: >= 0f } leaky => (GemmActivation.LeakyRelu, leaky.Slope),
        _ => null,
    };
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

/// <summary>log(1 + eˣ), a smooth ReLU.</summary>
public sealed class Softplus : Module
{
    public override Tensor Forward(Tensor x) => x.Softplus();
}
