using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The networks of <c>gan_toy.py</c>: an MLP with three hidden ReLU layers of width
/// <c>dim</c>, for both players. Weights start at N(0, 0.02²) and biases at zero, as there.
/// Parameter names match the PyTorch script's ("main.0.weight", …), so its
/// <c>load_state_dict</c> accepts a gfs generator.
/// </summary>
public sealed class ToyMlp : Module
{
    public ToyMlp(int inputs, int dim, int outputs, RandomStream random)
    {
        Main = RegisterModule("main", new Sequential(
            new Linear(inputs, dim, random), new Relu(),
            new Linear(dim, dim, random), new Relu(),
            new Linear(dim, dim, random), new Relu(),
            new Linear(dim, outputs, random)));
        foreach (var layer in Main.Layers.OfType<Linear>())
        {
            Init.Normal(layer.Weight, random, 0f, 0.02f);
            Init.Zeros(layer.Bias!);
        }
    }

    public Sequential Main { get; }

    public override Tensor Forward(Tensor x) => Main.Forward(x);

    /// <summary>The generator: 2-D noise (and whatever a conditional variant appends to it: <paramref name="inputs"/> in all) to a 2-D point.</summary>
    public static ToyMlp Generator(int dim, RandomStream random, int inputs = 2) => new(inputs, dim, 2, random);

    /// <summary>The critic (discriminator): a 2-D point (with what a conditional variant appends) to <paramref name="outputs"/> scores (logits for the GAN losses).</summary>
    public static ToyMlp Critic(int dim, RandomStream random, int inputs = 2, int outputs = 1) => new(inputs, dim, outputs, random);
}
