namespace GanFromScratch.Gan.Data;

/// <summary>The kinds of data gfs trains on; each has its data side (<see cref="IGanData"/>) and its networks.</summary>
public enum DataKind
{
    /// <summary>Points in the plane (gan_toy.py's mixtures and swiss roll).</summary>
    Toy,
    /// <summary>28×28 grey images (Fashion-MNIST, MNIST).</summary>
    Images,
    /// <summary>Lines of text as sequences of characters (the WGAN-GP paper's language model).</summary>
    Text,
}

/// <summary>
/// The shape of what a run generates, without the data itself: enough to build the networks and
/// to sample from a checkpoint where the training data is not installed.
/// </summary>
/// <param name="Sample">One sample's extents: [2] for a point, [1, 28, 28] for an image, [32, V] for a line of text over V characters.</param>
/// <param name="Classes">How many labels the data has (0: none, as the swiss roll).</param>
/// <param name="NoiseSize">The length of the noise vector z the generator starts from.</param>
public sealed record DataShape(DataKind Kind, int[] Sample, int Classes, int NoiseSize)
{
    public static DataShape Of(TrainConfig config) => config.Kind switch
    {
        DataKind.Toy => new(DataKind.Toy, [2], ToyDataset.Get(config.Dataset).Centres?.Length ?? 0, 2),
        DataKind.Text => new(DataKind.Text, [TextCorpus.SequenceLength, config.Vocabulary?.Count ?? config.Vocab], 0, TextNetworks.NoiseSize),
        _ => new(DataKind.Images, [1, ImageNetworks.Side, ImageNetworks.Side], FashionMnist.Classes, ImageNetworks.NoiseSize),
    };
}

/// <summary>The datasets <c>--dataset</c> accepts, by kind.</summary>
public static class Datasets
{
    /// <summary>The one text dataset: the fortunes, or the file of <c>--data</c>.</summary>
    public const string Text = "text";

    public static bool IsKnown(string name) => ToyDataset.Names.Contains(name) || ImageDatasets.Names.Contains(name) || name == Text;

    /// <summary>The kind of a dataset (an unknown name is toy data, which <see cref="TrainConfig.Validate"/> refuses).</summary>
    public static DataKind KindOf(string name) =>
        ImageDatasets.Names.Contains(name) ? DataKind.Images : name == Text ? DataKind.Text : DataKind.Toy;

    public static IEnumerable<string> NamesOf(DataKind kind) => kind switch
    {
        DataKind.Toy => ToyDataset.Names,
        DataKind.Images => ImageDatasets.Names,
        _ => [Text],
    };

    public static string Describe(DataKind kind) => kind switch
    {
        DataKind.Toy => "toy 2-D data",
        DataKind.Images => "28×28 images",
        _ => "text",
    };
}
