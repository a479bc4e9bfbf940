using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The networks of the InfoGAN authors' MNIST experiment (Chen et al. 2016, table 1; their
/// regularized_gan.py), at width DIM = 64 as there: every fully connected and convolution weight
/// N(0, 0.02²) and bias 0, batch norm scales N(1, 0.02²), leaky ReLUs with the paper's slope 0.1.
/// </summary>
public static class InfoGanNetworks
{
    /// <summary>The leak of the paper's leaky ReLUs ("leaky rate 0.1"; the authors' code has 0.01).</summary>
    public const float Leak = 0.1f;

    /// <summary>
    /// The generator: its input (noise and codes) → FC 16·DIM, BN, ReLU → FC 7·7·2·DIM, BN, ReLU →
    /// 4×4 stride-2 transposed convolution to DIM (14×14), BN, ReLU → to 1 (28×28), sigmoid.
    /// </summary>
    public static Sequential Generator(int inputs, int dim, RandomStream init) => Weights(new Sequential(
        new Linear(inputs, 16 * dim, init), new BatchNorm(16 * dim), new Relu(),
        new Linear(16 * dim, 7 * 7 * 2 * dim, init), new BatchNorm(7 * 7 * 2 * dim), new Relu(), new Unflatten(2 * dim, 7, 7),
        new ConvTranspose2d(2 * dim, dim, 4, init, stride: 2, padding: 1), new BatchNorm(dim), new Relu(),
        new ConvTranspose2d(dim, 1, 4, init, stride: 2, padding: 1), new Sigmoid()), init);

    /// <summary>The critic's body shared by its two heads: 4×4 stride-2 convolutions to DIM and 2·DIM (BN), then FC 16·DIM (BN).</summary>
    public static Sequential Body(int dim, RandomStream init) => Weights(new Sequential(
        new Conv2d(1, dim, 4, init, stride: 2, padding: 1), new LeakyRelu(Leak),
        new Conv2d(dim, 2 * dim, 4, init, stride: 2, padding: 1), new BatchNorm(2 * dim), new LeakyRelu(Leak),
        new Flatten(), new Linear(2 * dim * 7 * 7, 16 * dim, init), new BatchNorm(16 * dim), new LeakyRelu(Leak)), init);

    /// <summary>The Q head: FC 128, BN, leaky ReLU → the codes' parameters (<paramref name="outputs"/> numbers).</summary>
    public static Sequential QHead(int dim, int outputs, RandomStream init) => Weights(new Sequential(
        new Linear(16 * dim, 2 * dim, init), new BatchNorm(2 * dim), new LeakyRelu(Leak), new Linear(2 * dim, outputs, init)), init);

    /// <summary>The authors' initialisation: every weight N(0, 0.02²) and bias 0, batch norm scales N(1, 0.02²).</summary>
    private static Sequential Weights(Sequential net, RandomStream init)
    {
        foreach (var m in net.Modules())
            switch (m)
            {
                case ConvolutionLayer c: Init.Normal(c.Weight, init); if (c.Bias is { } b) Init.Zeros(b); break;
                case Linear l: Init.Normal(l.Weight, init); if (l.Bias is { } lb) Init.Zeros(lb); break;
                case BatchNorm n: Init.Normal(n.Weight, init, 1f, 0.02f); Init.Zeros(n.Bias); break;
            }
        return net;
    }
}

/// <summary>
/// InfoGAN's critic: one body, two heads — D, the real/fake logit, and Q, the recognition network
/// that reads the latent codes back from an image. Forward gives both side by side, [n, 1 + codes]:
/// column 0 is D's logit, the rest Q's outputs. Its weights: "body.", "d.", "q.".
/// </summary>
public sealed class TwoHeadCritic : Module
{
    public TwoHeadCritic(Sequential body, Module d, Module q)
    {
        Body = RegisterModule("body", body);
        D = RegisterModule("d", d);
        Q = RegisterModule("q", q);
    }

    public Sequential Body { get; }
    public Module D { get; }
    public Module Q { get; }

    public override Tensor Forward(Tensor x)
    {
        var h = Body.Forward(x);
        return Tensor.Concat([D.Forward(h), Q.Forward(h)], 1);
    }
}
