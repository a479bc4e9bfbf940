using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanFromScratch.Gan;

/// <summary>How a run stands: training now, stopped by a non-finite state, trained to its planned end, or stopped before it.</summary>
public enum RunState { Running, Diverged, Finished, Interrupted }

/// <summary>
/// A run folder read back: its settings (config.json), the iterations its checkpoint holds, every
/// line of metrics.jsonl, and its state — running while another gfs holds the folder's lock,
/// diverged when metrics.jsonl ends in a "diverged" line, finished when the checkpoint reached the
/// planned iterations, interrupted otherwise.
/// </summary>
public sealed record RunRecord(string Path, TrainConfig Config, int Done, IReadOnlyList<JsonObject> Lines, RunState State, string? Holder)
{
    /// <summary>The measures that say how good a run is, in the order shown (the losses aside).</summary>
    public static readonly string[] MainMetrics = ["w1", "modes", "hq", "fd", "score", "class_acc", "js4"];

    /// <summary>Whether <paramref name="folder"/> holds a run (a config.json a run wrote).</summary>
    public static bool IsRun(string folder) => File.Exists(System.IO.Path.Combine(folder, TrainingRun.ConfigFile));

    /// <summary>The evaluations: the metrics lines (not those that record a resume or a divergence).</summary>
    public IEnumerable<JsonObject> Evaluations => Lines.Where(l => l["resumed"] is null && l[TrainingRun.DivergedKey] is null);

    /// <summary>The last evaluation's line (null before the first).</summary>
    public JsonObject? LastEvaluation => Evaluations.LastOrDefault();

    /// <summary>The last evaluation's main metrics, by name.</summary>
    public IReadOnlyList<(string Name, double Value)> LastMetrics =>
        LastEvaluation is { } last
            ? [.. MainMetrics.Concat(Config.Rules.MeasureNames).Distinct().Where(k => last[k] is JsonValue).Select(k => (k, TrainingRun.Number(last[k]!)))]
            : [];

    /// <summary>What went non-finite, for a run that diverged.</summary>
    public string? Divergence => Lines.LastOrDefault()?[TrainingRun.DivergedKey]?.GetValue<string>();

    /// <summary>Reads the run in <paramref name="folder"/>; <see cref="InvalidDataException"/> names what is not as a run writes it.</summary>
    public static RunRecord Read(string folder)
    {
        string configPath = System.IO.Path.Combine(folder, TrainingRun.ConfigFile);
        if (!File.Exists(configPath))
            throw new InvalidDataException($"{folder} is not a run folder (it has no {TrainingRun.ConfigFile}).");
        var config = TrainConfig.ReadFile(configPath);
        var lines = new List<JsonObject>();
        string metricsPath = System.IO.Path.Combine(folder, TrainingRun.MetricsFile);
        if (File.Exists(metricsPath))
        {
            string text = File.ReadAllText(metricsPath);
            string[] all = text.Split('\n');
            foreach (var (line, number) in all.Select((l, i) => (l, i + 1)).Where(x => x.l.Length > 0))
            {
                try
                {
                    lines.Add(JsonNode.Parse(line) as JsonObject ?? throw new InvalidOperationException("it is not a JSON object"));
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException)
                {
                    // A last line without its newline was cut off mid-write (a run killed then): left out, as --resume cuts it.
                    if (number == all.Length && !text.EndsWith('\n')) break;
                    throw new InvalidDataException($"{metricsPath}, line {number}, is not a metrics line: {e.Message.Split('\n')[0]}");
                }
            }
        }
        string checkpoint = System.IO.Path.Combine(folder, TrainingRun.CheckpointFile);
        string? holder = RunFolder.Holder(folder);
        // Read whole with its checksum checked (as resume and sample check it), so that a damaged checkpoint is not
        // listed as a good run; while another gfs trains there, only its header.
        int done = !File.Exists(checkpoint) ? 0
            : holder is null ? Checkpoint.SavedIteration(Nn.SafeTensors.Load(checkpoint).Metadata)
            : Checkpoint.SavedIteration(checkpoint);
        var state = holder is not null ? RunState.Running
            : lines.LastOrDefault()?[TrainingRun.DivergedKey] is not null ? RunState.Diverged
            : done >= config.Iters ? RunState.Finished
            : RunState.Interrupted;
        return new RunRecord(folder, config, done, lines, state, holder);
    }

    /// <summary>
    /// The runs in <paramref name="folder"/>: the folder itself when it is one, else each subfolder
    /// that is (by name). A subfolder whose files cannot be read is returned as its reason.
    /// </summary>
    public static List<(string Folder, RunRecord? Run, string? Problem)> Under(string folder)
    {
        var folders = IsRun(folder) ? [folder]
            : Directory.EnumerateDirectories(folder).Where(IsRun).Order(StringComparer.Ordinal).ToList();
        var list = new List<(string, RunRecord?, string?)>();
        foreach (var f in folders)
        {
            try
            {
                list.Add((f, Read(f), null));
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                list.Add((f, null, e.Message));
            }
        }
        return list;
    }
}
