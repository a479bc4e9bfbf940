using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The networks of the WGAN-GP authors' character-level language model (<c>gan_language.py</c>),
/// on sequences of <see cref="Data.TextCorpus.SequenceLength"/> characters over a vocabulary of V:
/// <code>
/// generator  z ∈ ℝ¹²⁸ → Linear(128, 32·DIM) → [DIM, 32] → 5 × residual block → Conv1d k1 (DIM → V)
///            → softmax over the characters at each of the 32 positions           [32, V]
/// critic     [32, V] → Conv1d k1 (V → DIM) → 5 × residual block → Linear(32·DIM → 1)
/// residual block  x + 0.3 · Conv1d k5 (ReLU (Conv1d k5 (ReLU x)))
/// </code>
/// No batch norm: the critic takes each sample alone, as the penalty needs, and the generator's
/// softmax goes straight into it — no character is ever sampled. A sample is [32, V] (position ×
/// character), the layout of the authors' one-hot batches, so that the penalty's norm is over
/// sequence × vocabulary. Weights start as PyTorch's defaults (the PyTorch peer's), not as tflib's.
/// </summary>
public static class TextNetworks
{
    /// <summary>Residual blocks in each network.</summary>
    public const int Blocks = 5;

    /// <summary>The length of the noise z.</summary>
    public const int NoiseSize = 128;

    public static Module Generator(int dim, RandomStream random, int vocabulary, int inputs = NoiseSize) =>
        new TextGenerator(inputs, dim, vocabulary, random);

    public static Module Critic(int dim, RandomStream random, int vocabulary, int outputs = 1) =>
        new TextCritic(vocabulary, dim, outputs, random);
}

/// <summary>x + 0.3·Conv1d(ReLU(Conv1d(ReLU(x)))), both convolutions kernel 5, padded to keep the length.</summary>
public sealed class TextResidualBlock : Module
{
    /// <summary>The weight of the residual branch (gan_language.py's 0.3).</summary>
    public const float Scale = 0.3f;

    public TextResidualBlock(int dim, RandomStream random)
    {
        First = RegisterModule("conv1", new Conv1d(dim, dim, 5, random, padding: 2));
        Second = RegisterModule("conv2", new Conv1d(dim, dim, 5, random, padding: 2));
    }

    public Conv1d First { get; }
    public Conv1d Second { get; }

    /// <remarks>Through the layers' own Forward, so that their spectral normalization (if on) applies; the same operations as <see cref="Compute"/>.</remarks>
    public override Tensor Forward(Tensor x) => x + Scale * Second.Forward(First.Forward(x.Relu()).Relu());

    /// <summary>The <see cref="TextNetworks.Blocks"/> blocks of either network, in order.</summary>
    public static Sequential Stack(int dim, RandomStream random) =>
        new([.. Enumerable.Range(0, TextNetworks.Blocks).Select(_ => (Module)new TextResidualBlock(dim, random))]);

    /// <summary>The block as a function of its input and weights (what the golden test checks against PyTorch).</summary>
    public static Tensor Compute(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2) =>
        x + Scale * Tensor.Conv1d(Tensor.Conv1d(x.Relu(), w1, b1, padding: 2).Relu(), w2, b2, padding: 2);
}

/// <summary>gan_language.py's generator: z → [32, V], a distribution over the characters at each position.</summary>
public sealed class TextGenerator : Module
{
    private readonly int _dim;

    public TextGenerator(int inputs, int dim, int vocabulary, RandomStream random)
    {
        _dim = dim;
        Input = RegisterModule("input", new Linear(inputs, Data.TextCorpus.SequenceLength * dim, random));
        Body = RegisterModule("blocks", TextResidualBlock.Stack(dim, random));
        Output = RegisterModule("output", new Conv1d(dim, vocabulary, 1, random));
    }

    public Linear Input { get; }
    public Sequential Body { get; }
    public Conv1d Output { get; }

    public override Tensor Forward(Tensor z)
    {
        var h = Input.Forward(z).Reshape(z.Shape[0], _dim, Data.TextCorpus.SequenceLength); // [B, DIM, 32]
        var logits = Output.Forward(Body.Forward(h));                                          // [B, V, 32]
        return logits.Permute(0, 2, 1).Softmax(-1);                                            // [B, 32, V]
    }
}

/// <summary>gan_language.py's critic (discriminator): [32, V] → a score (or <c>outputs</c> of them).</summary>
public sealed class TextCritic : Module
{
    public TextCritic(int vocabulary, int dim, int outputs, RandomStream random)
    {
        Input = RegisterModule("input", new Conv1d(vocabulary, dim, 1, random));
        Body = RegisterModule("blocks", TextResidualBlock.Stack(dim, random));
        Output = RegisterModule("output", new Linear(Data.TextCorpus.SequenceLength * dim, outputs, random));
    }

    public Conv1d Input { get; }
    public Sequential Body { get; }
    public Linear Output { get; }

    public override Tensor Forward(Tensor x)
    {
        var h = Body.Forward(Input.Forward(x.Permute(0, 2, 1))); // [B, DIM, 32]
        return Output.Forward(h.Reshape(x.Shape[0], -1));
    }
}
