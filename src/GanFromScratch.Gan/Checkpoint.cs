using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// A checkpoint's contents copied to the host, before it is written: what the training loop checks
/// (<see cref="FirstNonFinite"/>) so that a run that has gone NaN or infinite never overwrites its
/// last good checkpoint.
/// </summary>
public sealed class CheckpointSnapshot(IReadOnlyList<(string Name, StoredTensor Value)> tensors, IReadOnlyDictionary<string, string> metadata, int iteration)
{
    public int Iteration { get; } = iteration;
    public IReadOnlyList<(string Name, StoredTensor Value)> Tensors { get; } = tensors;
    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    /// <summary>The first tensor holding a NaN or an infinity, with that value; null when all is finite.</summary>
    public (string Name, float Value)? FirstNonFinite()
    {
        foreach (var (name, t) in Tensors)
            foreach (float v in t.Data)
                if (!float.IsFinite(v)) return (name, v);
        return null;
    }

    /// <summary>Writes the checkpoint atomically, with its checksum (<see cref="SafeTensors.Write"/>).</summary>
    public void Write(string path) => SafeTensors.Write(path, Tensors, Metadata);
}

/// <summary>
/// What a training checkpoint holds, whatever the variant and the data: every player's network
/// (parameters and buffers, under its role: "generator.", "critic.", … with PyTorch's names), every
/// player's optimizer state ("optimizer.&lt;role&gt;.") and step count, the configuration, the
/// iteration, the elapsed time and the positions of the random streams — all a resumed run needs
/// to continue exactly as if it had not stopped. A safetensors file: PyTorch loads it with
/// <c>safetensors.torch.load_file</c>.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format this gfs writes.</summary>
    public const string Format = "gfs-checkpoint/2";

    /// <summary>The formats written before players were saved by role (same tensor names; the variant's options were top-level settings).</summary>
    public const string ToyFormatV1 = "gfs-toy-checkpoint/1", ImageFormatV1 = "gfs-image-checkpoint/1";

    /// <summary>Every tensor a checkpoint saves, by name: the players' networks, then their optimizers' state.</summary>
    internal static IEnumerable<(string Name, Engine.Tensor Value)> State(Players players) =>
        players.All.SelectMany(p => p.Network.NamedState(p.Role + "."))
            .Concat(players.Learning
                .SelectMany(p => p.Optimizer!.State().Select(s => ($"optimizer.{p.Role}.{s.Name}", s.Value))));

    /// <summary>Copies a trainer's state to the host (on a GPU, one wait).</summary>
    public static CheckpointSnapshot Take(Trainer trainer, double elapsedSeconds)
    {
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["config"] = trainer.Config.ToJson(),
            ["iteration"] = Text(trainer.Iteration),
            ["elapsed_s"] = elapsedSeconds.ToString("R", CultureInfo.InvariantCulture),
        };
        foreach (var p in trainer.Players.Learning)
            meta[$"optimizer.{p.Role}.step"] = Text(p.Optimizer!.StepCount);
        foreach (var (key, value) in trainer.Positions()) meta[key] = Text(value);
        var tensors = State(trainer.Players).Select(t => (t.Name, new StoredTensor(t.Value.Shape, t.Value.ToArray()))).ToList();
        return new CheckpointSnapshot(tensors, meta, trainer.Iteration);
    }

    private static string Text<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    /// <summary>The format a file declares (read from its header only), or null.</summary>
    public static string? FormatOf(string path) => SafeTensors.ReadMetadata(path).GetValueOrDefault("format");

    /// <summary>The iteration a checkpoint was saved at, as its header says (0 where it says none).</summary>
    public static int SavedIteration(string path) => SavedIteration(SafeTensors.ReadMetadata(path));

    /// <summary>The iteration a checkpoint's metadata names (0 where it names none).</summary>
    public static int SavedIteration(IReadOnlyDictionary<string, string> metadata) =>
        int.TryParse(metadata.GetValueOrDefault("iteration"), out int iteration) ? iteration : 0;

    /// <summary>The configuration saved in a checkpoint (from its header only), in this gfs's terms; refuses what is not a training checkpoint.</summary>
    public static TrainConfig ReadConfig(string path) => ReadConfig(path, SafeTensors.ReadMetadata(path));

    private static TrainConfig ReadConfig(string path, IReadOnlyDictionary<string, string> meta)
    {
        string? format = meta.GetValueOrDefault("format");
        if (format is not (Format or ToyFormatV1 or ImageFormatV1))
            throw new InvalidDataException(format switch
            {
                null => $"{path} is not a gfs training checkpoint (its header names no format).",
                FeatureClassifier.CheckpointFormat => $"{path} is a classifier (from 'gfs train classifier'), not a training checkpoint.",
                _ => $"{path} is a checkpoint of format '{format}', which this gfs does not read: it reads {Format} and the version-1 " +
                     $"formats ({ToyFormatV1}, {ImageFormatV1}). A newer gfs wrote it?",
            });
        try
        {
            string json = meta["config"];
            return (format == Format ? TrainConfig.FromJson(json) : TrainConfig.FromPreRegistryJson(json)).WithOptionsAddedSince();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: the saved configuration is missing or malformed ({e.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>
    /// Rebuilds a trainer from a checkpoint with the configuration <paramref name="config"/> (the
    /// saved one, or the saved one with the settings a resume may change) and its data side.
    /// Anything missing, malformed, damaged (the checksum) or inconsistent (the counters) is
    /// refused with the file's name before the trainer is returned.
    /// </summary>
    public static Trainer Load(string path, TrainConfig config, IGanData data)
    {
        var (tensors, meta) = SafeTensors.Load(path);
        var saved = ReadConfig(path, meta);
        if (saved.Variant != config.Variant || saved.Dataset != config.Dataset)
            throw new ArgumentException($"{path} holds a {saved.Variant} run on {saved.Dataset}, not {config.Variant} on {config.Dataset}.");
        bool v1 = meta["format"] != Format;
        foreach (var (name, t) in tensors)
            if (Array.FindIndex(t.Data, v => !float.IsFinite(v)) is var at and >= 0)
                throw new InvalidDataException($"{path} holds {(float.IsNaN(t.Data[at]) ? "NaN" : "an infinity")} in '{name}': the run it saved had " +
                                               "diverged (gfs never writes such a checkpoint). Resume from an earlier one, or start afresh.");
        var trainer = new Trainer(config, data);
        try
        {
            SafeTensors.LoadInto(tensors, State(trainer.Players));
            // Streams that a checkpoint written before them does not name had not been drawn from.
            ulong Read(string key) => key is "rng.labels" or "rng.codes" && !meta.ContainsKey(key) && (v1 || key == "rng.codes")
                ? 0 : ulong.Parse(meta[key], CultureInfo.InvariantCulture);
            foreach (var p in trainer.Players.Learning)
                p.Optimizer!.StepCount = long.Parse(meta[$"optimizer.{p.Role}.step"], CultureInfo.InvariantCulture);
            trainer.RestorePositions(Read);
            trainer.Iteration = int.Parse(meta["iteration"], CultureInfo.InvariantCulture);
            trainer.PriorSeconds = double.Parse(meta["elapsed_s"], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} cannot be read as a checkpoint: {e.Message.TrimEnd('.')}.");
        }
        // Every iteration takes exactly one generator step: the counters must agree.
        long generatorSteps = trainer.Players[Roles.Generator].Optimizer!.StepCount;
        if (trainer.Iteration < 0 || generatorSteps != trainer.Iteration)
            throw new InvalidDataException($"{path} does not add up: it says iteration {trainer.Iteration}, but its generator has taken " +
                                           $"{generatorSteps} steps. The file was edited or damaged.");
        return trainer;
    }
}
