using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Tests;

/// <summary>Trainers for tests: built, saved and loaded in one line each.</summary>
internal static class TestRuns
{
    /// <summary>A variant's defaults on a dataset, with the given changes applied by the caller (<c>with { … }</c>).</summary>
    public static TrainConfig Defaults(string variant, string dataset = "8gaussians") => TrainConfig.Defaults(Registry.Get(variant), dataset);

    public static Trainer Toy(TrainConfig config) => Trainer.Start(config, new ToyData(config));

    public static Trainer Images(TrainConfig config, ImageDataset train, ImageDataset? test = null, FeatureClassifier? classifier = null) =>
        Trainer.Start(config, new ImageData(config, train, test, classifier));

    public static void Save(Trainer trainer, string path, double elapsedSeconds = 0) => trainer.Snapshot(elapsedSeconds).Write(path);

    /// <summary>A toy checkpoint with its saved configuration (or <paramref name="config"/> in its place).</summary>
    public static Trainer LoadToy(string path, TrainConfig? config = null)
    {
        config ??= Checkpoint.ReadConfig(path);
        return Checkpoint.Load(path, config, new ToyData(config));
    }

    public static Trainer LoadImages(string path, ImageDataset train)
    {
        var config = Checkpoint.ReadConfig(path);
        return Checkpoint.Load(path, config, new ImageData(config, train));
    }

    /// <summary>
    /// Edits a saved file as someone outside gfs might — its tensors and metadata — and writes it
    /// back with a checksum that matches the edit (what the checksum alone cannot catch).
    /// </summary>
    public static void Edit(string path, Action<Dictionary<string, Nn.StoredTensor>, Dictionary<string, string>> edit)
    {
        var (tensors, meta) = Nn.SafeTensors.Load(path);
        edit(tensors, meta);
        meta.Remove(Nn.SafeTensors.ChecksumKey);
        Nn.SafeTensors.Write(path, [.. tensors.Select(t => (t.Key, t.Value))], meta);
    }

    /// <summary>Every number of every player's weights, in order.</summary>
    public static float[] Weights(Trainer trainer) =>
        [.. trainer.Players.All.SelectMany(p => p.Network.Parameters()).SelectMany(p => p.ToArray())];

    /// <summary>Every tensor a checkpoint of the trainer holds, by name, with its values.</summary>
    public static (string Name, float[] Values)[] State(Trainer trainer) =>
        [.. trainer.Snapshot(0).Tensors.Select(t => (t.Name, t.Value.Data))];
}
