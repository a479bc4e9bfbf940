using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// BigGAN's networks (Brock et al. 2019, appendix B) sized for 28×28 grey images, with ch = DIM/2
/// channels per unit (32 at the default DIM 64):
/// <list type="bullet">
/// <item>Generator: a shared class embedding e(y) ∈ ℝ³² for the whole network, and a hierarchical
/// latent z ∈ ℝ⁹⁶ cut into three chunks of 32. The first chunk → Linear → [4ch, 7, 7]; each of two
/// residual blocks (7 → 14 → 28) takes [e(y), its chunk] as the condition of its two conditional batch
/// norms: CBN, ReLU, upsample ×2, conv 3×3, CBN, ReLU, conv 3×3, plus the upsampled input through a
/// 1×1 conv; then batch norm, ReLU, conv 3×3 to one channel, sigmoid (images are in [0, 1]).</item>
/// <item>Critic: three residual blocks 28 → 14 → 7 → 7 (ReLU, conv 3×3, ReLU, conv 3×3, average
/// pooling ×2 but in the last; the first block without its leading ReLU; shortcuts a 1×1 conv and the
/// same pooling), ReLU, the sum over positions, and the projection head ψ(h) + ⟨embed(y), h⟩.</item>
/// </list>
/// Spectral normalization (<c>--spectral-norm both</c>, the biggan default) then covers every
/// linear and convolution layer of both, the conditional batch norms' gain and shift layers included,
/// as in BigGAN's code; orthogonal regularization skips the shared embedding (an Embedding, not a Linear).
/// </summary>
public static class BigGanNetworks
{
    /// <summary>The networks' name for <c>--arch</c>: biggan's own, and a choice of the conditional variants that judge D(x, y) by one score (cgan, cwgan-gp).</summary>
    public const string Name = "biggan";

    public const int NoiseSize = 96, Chunks = 3, EmbeddingSize = 32;
    private const int Chunk = NoiseSize / Chunks;

    public static int Channels(int dim) => Math.Max(1, dim / 2);

    public static BigGanGenerator Generator(int dim, int classes, RandomStream init) => new(Channels(dim), classes, init);

    public static BigGanCritic Critic(int dim, int classes, RandomStream init) => new(Channels(dim), classes, init);

    /// <summary>A generator block: CBN, ReLU, ×2, conv, CBN, ReLU, conv, plus the upsampled input through a 1×1 conv.</summary>
    public sealed class GeneratorBlock : Module
    {
        private readonly ConditionalBatchNorm _bn1, _bn2;
        private readonly Conv2d _conv1, _conv2, _skip;

        public GeneratorBlock(int inChannels, int outChannels, int condition, RandomStream init)
        {
            _bn1 = RegisterModule("bn1", new ConditionalBatchNorm(inChannels, condition, init));
            _conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, init, padding: 1));
            _bn2 = RegisterModule("bn2", new ConditionalBatchNorm(outChannels, condition, init));
            _conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, init, padding: 1));
            _skip = RegisterModule("skip", new Conv2d(inChannels, outChannels, 1, init));
        }

        public override Tensor Forward(Tensor x) => throw new InvalidOperationException("A generator block needs its condition.");

        public override Tensor Forward(Tensor x, Tensor condition)
        {
            var h = _conv1.Forward(_bn1.Forward(x, condition).Relu().UpsampleNearest(2));
            h = _conv2.Forward(_bn2.Forward(h, condition).Relu());
            return h + _skip.Forward(x.UpsampleNearest(2));
        }
    }

    /// <summary>A critic block: (ReLU,) conv, ReLU, conv, (pool), plus the input through a 1×1 conv (and the same pooling).</summary>
    public sealed class CriticBlock : Module
    {
        private readonly Conv2d _conv1, _conv2, _skip;
        private readonly bool _preactivate, _down;

        public CriticBlock(int inChannels, int outChannels, bool preactivate, bool down, RandomStream init)
        {
            (_preactivate, _down) = (preactivate, down);
            _conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, init, padding: 1));
            _conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, init, padding: 1));
            _skip = RegisterModule("skip", new Conv2d(inChannels, outChannels, 1, init));
        }

        public override Tensor Forward(Tensor x)
        {
            var h = _conv2.Forward(_conv1.Forward(_preactivate ? x.Relu() : x).Relu());
            var skip = _skip.Forward(x);
            return _down ? h.AvgPool(2) + skip.AvgPool(2) : h + skip;
        }
    }
}

/// <summary>G(z, y) of <see cref="BigGanNetworks"/>: the shared embedding, skip-z, two residual blocks.</summary>
public sealed class BigGanGenerator : Module
{
    private readonly Embedding _shared;
    private readonly Linear _input;
    private readonly BigGanNetworks.GeneratorBlock _block1, _block2;
    private readonly BatchNorm _bn;
    private readonly Conv2d _output;
    private readonly int _channels;

    public BigGanGenerator(int ch, int classes, RandomStream init)
    {
        _channels = ch;
        int chunk = BigGanNetworks.NoiseSize / BigGanNetworks.Chunks, condition = BigGanNetworks.EmbeddingSize + chunk;
        _shared = RegisterModule("shared", new Embedding(classes, BigGanNetworks.EmbeddingSize, init));
        _input = RegisterModule("input", new Linear(chunk, 4 * ch * 7 * 7, init));
        _block1 = RegisterModule("block1", new BigGanNetworks.GeneratorBlock(4 * ch, 2 * ch, condition, init));
        _block2 = RegisterModule("block2", new BigGanNetworks.GeneratorBlock(2 * ch, ch, condition, init));
        _bn = RegisterModule("bn", new BatchNorm(ch));
        _output = RegisterModule("output", new Conv2d(ch, 1, 3, init, padding: 1));
    }

    public override Tensor Forward(Tensor z) => throw new InvalidOperationException("The BigGAN generator is conditional: call Forward(z, labels).");

    /// <param name="z">[n, 96]: three chunks of 32.</param>
    /// <param name="labels">Class indices in floats, [n].</param>
    public override Tensor Forward(Tensor z, Tensor labels)
    {
        int chunk = BigGanNetworks.NoiseSize / BigGanNetworks.Chunks, n = z.Shape[0];
        if (z.Rank != 2 || z.Shape[1] != BigGanNetworks.NoiseSize)
            throw new ArgumentException($"The BigGAN generator takes z [n, {BigGanNetworks.NoiseSize}], got {Shapes.Format(z.Shape)}.");
        var e = _shared.Forward(labels);
        var h = _input.Forward(z.Narrow(1, 0, chunk)).Reshape(n, 4 * _channels, 7, 7);
        h = _block1.Forward(h, Tensor.Concat([e, z.Narrow(1, chunk, chunk)], 1));
        h = _block2.Forward(h, Tensor.Concat([e, z.Narrow(1, 2 * chunk, chunk)], 1));
        return _output.Forward(_bn.Forward(h).Relu()).Sigmoid();
    }
}

/// <summary>D(x, y) of <see cref="BigGanNetworks"/>: three residual blocks, sum pooling, the projection head.</summary>
public sealed class BigGanCritic : Module
{
    private readonly BigGanNetworks.CriticBlock _block1, _block2, _block3;
    private readonly ProjectionHead _head;

    public BigGanCritic(int ch, int classes, RandomStream init)
    {
        _block1 = RegisterModule("block1", new BigGanNetworks.CriticBlock(1, ch, preactivate: false, down: true, init));
        _block2 = RegisterModule("block2", new BigGanNetworks.CriticBlock(ch, 2 * ch, preactivate: true, down: true, init));
        _block3 = RegisterModule("block3", new BigGanNetworks.CriticBlock(2 * ch, 4 * ch, preactivate: true, down: false, init));
        _head = RegisterModule("head", new ProjectionHead(4 * ch, classes, init));
    }

    public override Tensor Forward(Tensor x) => throw new InvalidOperationException("The BigGAN critic is conditional: call Forward(x, labels).");

    public override Tensor Forward(Tensor x, Tensor labels)
    {
        var h = _block3.Forward(_block2.Forward(_block1.Forward(x))).Relu();
        return _head.Forward(h.Sum([2, 3]), labels);
    }
}
