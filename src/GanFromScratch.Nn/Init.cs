using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// Initial values for parameters. All draw from a seeded <see cref="Generator"/>, so a seed
/// fixes the network.
/// </summary>
public static class Init
{
    /// <summary>
    /// PyTorch's default for <c>nn.Linear</c>'s weight: Kaiming-uniform with a = √5, which comes
    /// to U(−1/√fan_in, 1/√fan_in).
    /// </summary>
    public static Tensor LinearDefaultWeight(int outFeatures, int inFeatures, RandomStream random)
    {
        float bound = 1f / MathF.Sqrt(inFeatures);
        return Tensor.Rand([outFeatures, inFeatures], random, -bound, bound);
    }

    /// <summary>PyTorch's default for <c>nn.Linear</c>'s bias: U(−1/√fan_in, 1/√fan_in).</summary>
    public static Tensor LinearDefaultBias(int outFeatures, int inFeatures, RandomStream random)
    {
        float bound = 1f / MathF.Sqrt(inFeatures);
        return Tensor.Rand([outFeatures], random, -bound, bound);
    }

    /// <summary>He (Kaiming) normal for ReLU networks: N(0, 2/fan_in); fan_in is the product of all but the first extent.</summary>
    public static void HeNormal(Tensor weight, RandomStream random)
    {
        int fanIn = weight.Size / weight.Shape[0];
        Fill(weight, Tensor.Randn(weight.Shape, random, 0f, MathF.Sqrt(2f / fanIn), weight.Backend));
    }

    /// <summary>N(mean, std²), as DCGAN initialises its weights with N(0, 0.02²).</summary>
    public static void Normal(Tensor weight, RandomStream random, float mean = 0f, float std = 0.02f) =>
        Fill(weight, Tensor.Randn(weight.Shape, random, mean, std, weight.Backend));

    public static void Zeros(Tensor tensor) => Fill(tensor, Tensor.Full(tensor.Shape, 0f, tensor.Backend));

    private static void Fill(Tensor target, Tensor values)
    {
        using (values) target.CopyFrom(values);
    }
}
