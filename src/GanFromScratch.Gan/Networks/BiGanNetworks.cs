using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The networks of the BiGAN authors' MNIST experiment (Donahue et al. 2017; their
/// train_mnist.sh: <c>mnist_mlp</c> encoder and discriminator, <c>deconvnet_mnist_mlp</c>
/// generator), at width DIM = 64 as there, so 16·DIM = 1024 units: every fully connected weight
/// N(0, 0.02²) and bias 0, leaky ReLUs of slope 0.2. On toy points the same three roles are
/// gan_toy.py's MLPs of width DIM. Where the authors' code differs, as documented in
/// README.md (What the networks learn): their batch norms have no learned scale and shift (these have, starting at
/// 1 and 0), and their generator adds a second projection of z into its second layer (this one
/// takes z at its input only).
/// </summary>
public static class BiGanNetworks
{
    /// <summary>The leak of the authors' leaky ReLUs.</summary>
    public const float Leak = 0.2f;

    /// <summary>The generator G(z): FC 16·DIM, BN, ReLU → FC 16·DIM, BN, ReLU → FC to the 28×28 pixels, sigmoid.</summary>
    public static Sequential ImageGenerator(int noise, int dim, int[] sample, RandomStream init) => Weights(new Sequential(
        new Linear(noise, 16 * dim, init), new BatchNorm(16 * dim), new Relu(),
        new Linear(16 * dim, 16 * dim, init), new BatchNorm(16 * dim), new Relu(),
        new Linear(16 * dim, Pixels(sample), init), new Sigmoid(), new Unflatten(sample)), init);

    /// <summary>
    /// The encoder E(x): the pixels → FC 16·DIM, leaky ReLU → FC 16·DIM, BN, leaky ReLU → FC to z,
    /// tanh — into U(−1, 1)'s support, as the authors map their encoder's output (2σ(a) − 1 = tanh(a/2)).
    /// </summary>
    public static Sequential ImageEncoder(int dim, int[] sample, int noise, RandomStream init) => Weights(new Sequential(
        new Flatten(), new Linear(Pixels(sample), 16 * dim, init), new LeakyRelu(Leak),
        new Linear(16 * dim, 16 * dim, init), new BatchNorm(16 * dim), new LeakyRelu(Leak),
        new Linear(16 * dim, noise, init), new Tanh()), init);

    /// <summary>
    /// The critic D(x, z): the pixels → FC 16·DIM, leaky ReLU → FC 16·DIM, to which the learned
    /// projection of z is added (the authors' "joint discriminator") → BN, leaky ReLU → FC 1, the logit.
    /// </summary>
    public static PairCritic ImageCritic(int dim, int[] sample, int noise, RandomStream init) => new(
        Weights(new Sequential(new Flatten(), new Linear(Pixels(sample), 16 * dim, init), new LeakyRelu(Leak), new Linear(16 * dim, 16 * dim, init)), init),
        Weights(new Sequential(new Linear(noise, 16 * dim, init, bias: false)), init),
        Weights(new Sequential(new BatchNorm(16 * dim), new LeakyRelu(Leak), new Linear(16 * dim, 1, init)), init));

    /// <summary>The toy encoder: gan_toy.py's MLP from a point to z, tanh.</summary>
    public static Sequential ToyEncoder(int dim, int noise, RandomStream init) => new(new ToyMlp(2, dim, noise, init), new Tanh());

    /// <summary>The toy critic D(x, z): the point → FC DIM, ReLU → FC DIM (+ the projection of z) → ReLU, FC DIM, ReLU → FC 1.</summary>
    public static PairCritic ToyCritic(int dim, int noise, RandomStream init) => new(
        Weights(new Sequential(new Linear(2, dim, init), new Relu(), new Linear(dim, dim, init)), init),
        Weights(new Sequential(new Linear(noise, dim, init, bias: false)), init),
        Weights(new Sequential(new Relu(), new Linear(dim, dim, init), new Relu(), new Linear(dim, 1, init)), init));

    private static int Pixels(int[] sample) => sample.Aggregate(1, (a, b) => a * b);

    /// <summary>Every fully connected weight N(0, 0.02²) and bias 0.</summary>
    private static Sequential Weights(Sequential net, RandomStream init)
    {
        foreach (var layer in net.Modules().OfType<Linear>())
        {
            Nn.Init.Normal(layer.Weight, init);
            if (layer.Bias is { } b) Nn.Init.Zeros(b);
        }
        return net;
    }
}

/// <summary>
/// A critic of pairs, D(x, z) = head(body(x) + projection(z)): the sample and a latent vector
/// meet in a hidden layer — real pairs (x, E(x)) against generated ones (G(z), z) in BiGAN.
/// Its weights: "x." (the sample's path), "z." (the projection), "head.".
/// </summary>
public sealed class PairCritic : Module
{
    public PairCritic(Module body, Module projection, Module head)
    {
        Body = RegisterModule("x", body);
        Projection = RegisterModule("z", projection);
        Head = RegisterModule("head", head);
    }

    public Module Body { get; }
    public Module Projection { get; }
    public Module Head { get; }

    public override Tensor Forward(Tensor x) =>
        throw new InvalidOperationException("A pair critic scores a sample with its latent vector: Forward(samples, z).");

    public override Tensor Forward(Tensor x, Tensor z) => Head.Forward(Body.Forward(x) + Projection.Forward(z));
}
