using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The networks for 28×28 grey images. Two families:
/// <list type="bullet">
/// <item><c>gan-mnist</c>, the WGAN-GP authors' <c>gan_mnist.py</c> pair (DIM = 64): no batch norm,
/// so the gradient penalty, taken per sample, stays valid. The default of wgan and wgan-gp.</item>
/// <item><c>dcgan</c>, a DCGAN pair (Radford et al.) sized for 28×28: strided convolutions with
/// batch norm, weights N(0, 0.02²). The default of dcgan, gan and lsgan.</item>
/// </list>
/// Both generators end in a sigmoid: images are in [0, 1], as the data.
/// </summary>
public static class ImageNetworks
{
    public static readonly string[] Names = ["gan-mnist", "dcgan"];

    /// <summary>Length of the noise vector z.</summary>
    public const int NoiseSize = 128;

    /// <summary>The images' height and width: the networks are built for 28×28.</summary>
    public const int Side = 28;

    /// <summary>
    /// The generator of <paramref name="arch"/>: from <paramref name="inputs"/> numbers (the noise,
    /// and whatever a conditional variant appends to it) to an image [1, 28, 28].
    /// </summary>
    public static Sequential Generator(string arch, int dim, RandomStream init, int inputs = NoiseSize) => arch switch
    {
        "gan-mnist" => GanMnistGenerator(dim, init, inputs),
        "dcgan" => DcganGenerator(dim, init, inputs),
        _ => throw UnknownArch(arch),
    };

    /// <summary>The critic of <paramref name="arch"/>: from an image of <paramref name="channels"/> channels to <paramref name="outputs"/> scores.</summary>
    public static Sequential Critic(string arch, int dim, RandomStream init, int channels = 1, int outputs = 1) => arch switch
    {
        "gan-mnist" => GanMnistCritic(dim, init, channels, outputs),
        "dcgan" => DcganCritic(dim, init, channels, outputs),
        _ => throw UnknownArch(arch),
    };

    private static ArgumentException UnknownArch(string arch) => new($"Unknown architecture '{arch}'. Valid: {string.Join(", ", Names)}.");

    /// <summary>
    /// z ∈ ℝ¹²⁸ → Linear to 4·4·4·DIM → ReLU → [4·DIM, 4, 4] → 5×5 transposed conv, stride 2 →
    /// [2·DIM, 8, 8] → ReLU → crop to 7×7 → [DIM, 14, 14] → ReLU → [1, 28, 28] → sigmoid.
    /// (Each 5×5 stride-2 transposed convolution doubles the size: padding 2, output padding 1.)
    /// </summary>
    public static Sequential GanMnistGenerator(int dim, RandomStream init, int inputs = NoiseSize) => new(
        new Linear(inputs, 4 * 4 * 4 * dim, init), new Relu(), new Unflatten(4 * dim, 4, 4),
        new ConvTranspose2d(4 * dim, 2 * dim, 5, init, stride: 2, padding: 2, outputPadding: 1), new Relu(),
        new Crop(7),
        new ConvTranspose2d(2 * dim, dim, 5, init, stride: 2, padding: 2, outputPadding: 1), new Relu(),
        new ConvTranspose2d(dim, 1, 5, init, stride: 2, padding: 2, outputPadding: 1), new Sigmoid());

    /// <summary>[1, 28, 28] → 5×5 stride-2 convolutions to DIM, 2·DIM, 4·DIM channels (14, 7, 4 pixels), each with LeakyReLU(0.2) → Linear → one score.</summary>
    public static Sequential GanMnistCritic(int dim, RandomStream init, int channels = 1, int outputs = 1) => new(
        new Conv2d(channels, dim, 5, init, stride: 2, padding: 2), new LeakyRelu(0.2f),
        new Conv2d(dim, 2 * dim, 5, init, stride: 2, padding: 2), new LeakyRelu(0.2f),
        new Conv2d(2 * dim, 4 * dim, 5, init, stride: 2, padding: 2), new LeakyRelu(0.2f),
        new Flatten(), new Linear(4 * 4 * 4 * dim, outputs, init));

    /// <summary>z → Linear to 2·DIM·7·7 → batch norm → ReLU → 4×4 stride-2 transposed convs to DIM (14×14, batch norm, ReLU) and 1 (28×28) → sigmoid.</summary>
    public static Sequential DcganGenerator(int dim, RandomStream init, int inputs = NoiseSize) => DcganWeights(new Sequential(
        new Linear(inputs, 2 * dim * 7 * 7, init), new BatchNorm(2 * dim * 7 * 7), new Relu(), new Unflatten(2 * dim, 7, 7),
        new ConvTranspose2d(2 * dim, dim, 4, init, stride: 2, padding: 1), new BatchNorm(dim), new Relu(),
        new ConvTranspose2d(dim, 1, 4, init, stride: 2, padding: 1), new Sigmoid()), init);

    /// <summary>[1, 28, 28] → 4×4 stride-2 convs to DIM (LeakyReLU) and 2·DIM (batch norm, LeakyReLU) → Linear → one logit.</summary>
    public static Sequential DcganCritic(int dim, RandomStream init, int channels = 1, int outputs = 1) => DcganWeights(new Sequential(
        new Conv2d(channels, dim, 4, init, stride: 2, padding: 1), new LeakyRelu(0.2f),
        new Conv2d(dim, 2 * dim, 4, init, stride: 2, padding: 1), new BatchNorm(2 * dim), new LeakyRelu(0.2f),
        new Flatten(), new Linear(2 * dim * 7 * 7, outputs, init)), init);

    /// <summary>DCGAN's initialisation: convolution weights N(0, 0.02²), batch norm scales N(1, 0.02²), biases 0.</summary>
    private static Sequential DcganWeights(Sequential net, RandomStream init)
    {
        foreach (var m in net.Modules())
            switch (m)
            {
                case ConvolutionLayer c: Init.Normal(c.Weight, init); if (c.Bias is { } b) Init.Zeros(b); break;
                case BatchNorm n: Init.Normal(n.Weight, init, 1f, 0.02f); Init.Zeros(n.Bias); break;
            }
        return net;
    }
}
