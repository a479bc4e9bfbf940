using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// Builds a run's networks for its kind of data — gan_toy.py's MLPs for toy points, the image pair
/// of <c>--arch</c> for images, gan_language.py's residual networks for text — at the run's width, all drawing their initial weights from one
/// stream, in the order they are asked for. A variant's <see cref="Variant.CreatePlayers"/> asks
/// for what its game needs: the plain pair, or networks with room for labels or extra outputs.
/// </summary>
public sealed class NetworkBuilder(TrainConfig config, DataShape data, RandomStream init)
{
    public TrainConfig Config { get; } = config;
    public DataShape Data { get; } = data;

    /// <summary>The stream the weights are drawn from (a variant's own modules, such as label embeddings, draw from it too).</summary>
    public RandomStream Init { get; } = init;

    /// <summary>The image architecture: <c>--arch</c>, or the variant's default.</summary>
    public string Arch => Config.ChosenArch;

    /// <summary>The generator: from noise, and <paramref name="extraInputs"/> more numbers per sample, to a sample.</summary>
    public Module Generator(int extraInputs = 0) => Data.Kind switch
    {
        DataKind.Toy => ToyMlp.Generator(Config.Dim, Init, Data.NoiseSize + extraInputs),
        DataKind.Text => TextNetworks.Generator(Config.Dim, Init, Data.Sample[1], Data.NoiseSize + extraInputs),
        _ => ImageNetworks.Generator(Arch, Config.Dim, Init, Data.NoiseSize + extraInputs),
    };

    /// <summary>
    /// The critic: from a sample, with <paramref name="extraChannels"/> more input features (toy)
    /// or channels (images), to <paramref name="outputs"/> scores.
    /// </summary>
    public Module Critic(int extraChannels = 0, int outputs = 1) => Data.Kind switch
    {
        DataKind.Toy => ToyMlp.Critic(Config.Dim, Init, Data.Sample[0] + extraChannels, outputs),
        DataKind.Text => TextNetworks.Critic(Config.Dim, Init, Data.Sample[1] + extraChannels, outputs),
        _ => ImageNetworks.Critic(Arch, Config.Dim, Init, Data.Sample[0] + extraChannels, outputs),
    };

    /// <summary>
    /// The generator G(z, y) of a conditional variant: the data's generator with the label's
    /// embedding (as many numbers as there are classes) appended to its noise.
    /// </summary>
    public Module ConditionalGenerator()
    {
        var net = Generator(extraInputs: Data.Classes);
        return new ConditionalGenerator(net, new Embedding(Data.Classes, Data.Classes, Init));
    }

    /// <summary>The image networks a conditional game judged by one score may play on (cgan, cwgan-gp): gan-mnist's or dcgan's with the label embedded, or BigGAN's.</summary>
    public static readonly IReadOnlyList<string> ConditionalArchitectures = [.. ImageNetworks.Names, BigGanNetworks.Name];

    /// <summary>Whether a run's image networks are BigGAN's (<c>--arch biggan</c>, or the biggan variant's own).</summary>
    public static bool UsesBigGan(TrainConfig config) =>
        config.Kind == DataKind.Images && config.ChosenArch == BigGanNetworks.Name;

    /// <summary>
    /// G(z, y) and D(x, y) of a conditional variant: <see cref="ConditionalGenerator"/> and
    /// <see cref="ConditionalCritic"/>, or with <c>--arch biggan</c> on images BigGAN's pair (a shared
    /// class embedding, skip-z and conditional batch norm in G; a projection head on D).
    /// </summary>
    public Players ConditionalPlayers() => UsesBigGan(Config)
        ? new(BigGanNetworks.Generator(Config.Dim, Data.Classes, Init), BigGanNetworks.Critic(Config.Dim, Data.Classes, Init))
        : new(ConditionalGenerator(), ConditionalCritic());

    /// <summary>
    /// The critic D(x, y) of a conditional variant: toy points with the label's embedding appended
    /// (as many numbers as there are classes), images with it as one more channel (a learned map).
    /// </summary>
    public Module ConditionalCritic(int outputs = 1)
    {
        bool points = Data.Sample.Length == 1;
        var net = Critic(extraChannels: points ? Data.Classes : 1, outputs);
        int size = points ? Data.Classes : Data.Sample[1] * Data.Sample[2];
        return new ConditionalCritic(net, new Embedding(Data.Classes, size, Init), Data.Sample);
    }
}
