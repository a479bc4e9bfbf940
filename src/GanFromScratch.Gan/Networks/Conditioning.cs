using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// A conditional generator G(z, y): the label y is looked up in a learned embedding and appended
/// to the noise, G(z, y) = net([z, embed(y)]) — the CGAN paper's "y is fed into both the
/// discriminator and generator as additional input layer". Its weights: "net." (the data's
/// generator, with room for the embedding in its first layer) and "labels." (the embedding).
/// </summary>
public sealed class ConditionalGenerator : Module
{
    public ConditionalGenerator(Module net, Embedding labels)
    {
        Net = RegisterModule("net", net);
        Labels = RegisterModule("labels", labels);
    }

    public Module Net { get; }
    public Embedding Labels { get; }

    public override Tensor Forward(Tensor x) =>
        throw new InvalidOperationException("A conditional generator needs the labels of what it makes: Forward(noise, labels).");

    public override Tensor Forward(Tensor noise, Tensor labels) => Net.Forward(Tensor.Concat([noise, Labels.Forward(labels)], 1));
}

/// <summary>
/// A conditional critic D(x, y). On toy points the label's embedding is appended to the point's
/// coordinates; on images it is a learned 28×28 map, appended as one more input channel: the
/// label meets the image at full resolution, and the first convolution sees two channels instead
/// of one — almost no extra work, where appending a one-hot map per class would have made the
/// first layer ten times larger (docs/benchmarks.md measures both).
/// </summary>
public sealed class ConditionalCritic : Module
{
    private readonly int[] _sample;

    /// <param name="sample">One sample's extents ([2] for a point, [1, H, W] for an image): how the embedding joins it.</param>
    public ConditionalCritic(Module net, Embedding labels, int[] sample)
    {
        Net = RegisterModule("net", net);
        Labels = RegisterModule("labels", labels);
        _sample = sample;
        int expected = sample.Length == 1 ? labels.Dim : sample[1] * sample[2];
        if (labels.Dim != expected)
            throw new ArgumentException($"A conditional critic of samples {Shapes.Format(sample)} needs label embeddings of {expected} numbers, not {labels.Dim}.");
    }

    public Module Net { get; }
    public Embedding Labels { get; }

    public override Tensor Forward(Tensor x) =>
        throw new InvalidOperationException("A conditional critic scores a sample with its label: Forward(samples, labels).");

    public override Tensor Forward(Tensor x, Tensor labels)
    {
        var e = Labels.Forward(labels);
        if (_sample.Length > 1) e = e.Reshape(x.Shape[0], 1, _sample[1], _sample[2]); // one more channel
        return Net.Forward(Tensor.Concat([x, e], 1));
    }
}
