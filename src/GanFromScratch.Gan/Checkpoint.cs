using System.Globalization;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// What every training checkpoint holds, whatever the data: both networks (parameters and
/// buffers, under "generator." and "critic." with PyTorch's names), both optimizers' state and
/// step counts, the configuration, the iteration and the elapsed time. Each trainer adds the
/// positions of its own random streams.
/// </summary>
public static class Checkpoint
{
    public static IEnumerable<(string Name, Engine.Tensor Value)> Tensors(IGanPlayers p) =>
        p.G.NamedState("generator.")
            .Concat(p.D.NamedState("critic."))
            .Concat(p.OptG.State().Select(s => ("optimizer.generator." + s.Name, s.Value)))
            .Concat(p.OptD.State().Select(s => ("optimizer.critic." + s.Name, s.Value)));

    /// <summary>
    /// Writes a checkpoint of the given format: the tensors, the common metadata, and the
    /// trainer's own <paramref name="positions"/> (its random streams' offsets, its place in the data).
    /// </summary>
    public static void Save(string path, string format, IGanPlayers p, int iteration, double elapsedSeconds,
        params (string Key, ulong Value)[] positions)
    {
        var meta = new Dictionary<string, string>
        {
            ["format"] = format,
            ["config"] = p.Config.ToJson(),
            ["iteration"] = iteration.ToString(CultureInfo.InvariantCulture),
            ["elapsed_s"] = elapsedSeconds.ToString("R", CultureInfo.InvariantCulture),
            ["optimizer.generator.step"] = p.OptG.StepCount.ToString(CultureInfo.InvariantCulture),
            ["optimizer.critic.step"] = p.OptD.StepCount.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in positions) meta[key] = value.ToString(CultureInfo.InvariantCulture);
        SafeTensors.Save(path, Tensors(p), meta);
    }

    /// <summary>The format a checkpoint declares (read from its header only), or null.</summary>
    public static string? FormatOf(string path) => SafeTensors.ReadMetadata(path).GetValueOrDefault("format");

    /// <summary>The configuration saved in a checkpoint of the given format, read from its header only.</summary>
    public static TrainConfig ReadConfig(string path, string format, string kind) =>
        ReadConfig(path, SafeTensors.ReadMetadata(path), format, kind);

    /// <summary>The configuration in a checkpoint's metadata, after checking its format.</summary>
    public static TrainConfig ReadConfig(string path, Dictionary<string, string> meta, string format, string kind)
    {
        if (!meta.TryGetValue("format", out var found) || found != format)
            throw new InvalidDataException($"{path} is not a gfs {kind} checkpoint (format '{found ?? "none"}', expected '{format}').");
        try
        {
            return TrainConfig.FromJson(meta["config"]);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{path}: the saved configuration is missing or malformed ({e.Message}).");
        }
    }

    /// <summary>
    /// Loads the tensors into <paramref name="p"/> and the optimizers' step counts, then lets
    /// <paramref name="restore"/> read the rest of the metadata; returns (iteration, elapsed seconds).
    /// Any missing or malformed entry is refused with the file's name.
    /// </summary>
    public static (int Iteration, double Elapsed) Restore(string path, IGanPlayers p, Dictionary<string, StoredTensor> tensors,
        Dictionary<string, string> meta, Action<Func<string, ulong>> restore)
    {
        try
        {
            SafeTensors.LoadInto(tensors, Tensors(p));
            p.OptG.StepCount = long.Parse(meta["optimizer.generator.step"], CultureInfo.InvariantCulture);
            p.OptD.StepCount = long.Parse(meta["optimizer.critic.step"], CultureInfo.InvariantCulture);
            restore(key => ulong.Parse(meta[key], CultureInfo.InvariantCulture));
            return (int.Parse(meta["iteration"], CultureInfo.InvariantCulture), double.Parse(meta["elapsed_s"], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} cannot be resumed: {e.Message.TrimEnd('.')}.");
        }
    }
}
