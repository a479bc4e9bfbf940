using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanFromScratch.Gan.Artifacts;

namespace GanFromScratch.Gan;

/// <summary>What a run reports after each iteration (for a progress bar).</summary>
public readonly record struct RunProgress(int Iteration, int TotalIterations, StepLosses Losses, JsonObject? Metrics);

/// <summary>How a run ended.</summary>
public sealed record RunResult(int Iteration, double Seconds, bool Interrupted, JsonObject? LastMetrics, string CheckpointPath);

/// <summary>
/// A trainer the loop of <see cref="TrainingRun"/> can drive: toy points or images.
/// </summary>
public interface IGanTrainer : IGanPlayers
{
    /// <summary>Generator iterations completed.</summary>
    int Iteration { get; }

    /// <summary>Seconds of training before this process (from the checkpoint).</summary>
    double PriorSeconds { get; }

    /// <summary>One generator iteration (its critic steps included).</summary>
    StepLosses Step();

    /// <summary>Measures the generator and draws its pictures into the run folder; returns the measures for metrics.jsonl.</summary>
    JsonObject Evaluate(string outDir);

    /// <summary>Called after every iteration: pictures drawn more often than evaluations (image sample grids).</summary>
    void AfterStep(string outDir);

    void SaveCheckpoint(string path, double elapsedSeconds);

    /// <summary>The measures to plot in metrics.png, in order.</summary>
    IReadOnlyList<string> PlottedMetrics { get; }
}

/// <summary>
/// The training loop with its outputs, in one run folder:
/// <list type="bullet">
/// <item><c>config.json</c> — the settings;</item>
/// <item><c>metrics.jsonl</c> — one JSON object per evaluation;</item>
/// <item><c>frames/iter_NNNNNN.png</c> — pictures: the critic's contours with real and generated
/// points (toy data), or a grid of samples from fixed noise (images);</item>
/// <item><c>checkpoint.safetensors</c> — written at every evaluation and at the end;</item>
/// <item><c>metrics.png</c> — the metrics over the run, drawn at the end.</item>
/// </list>
/// </summary>
public static class TrainingRun
{
    public const string CheckpointFile = "checkpoint.safetensors";
    public const string MetricsFile = "metrics.jsonl";
    public const string ConfigFile = "config.json";
    public const string MetricsPlotFile = "metrics.png";
    public const string FramesFolder = "frames";

    public static RunResult Train(IGanTrainer trainer, string outDir, Action<RunProgress>? progress, CancellationToken cancel)
    {
        Directory.CreateDirectory(outDir);
        Directory.CreateDirectory(Path.Combine(outDir, FramesFolder));
        File.WriteAllText(Path.Combine(outDir, ConfigFile), trainer.Config.ToJson(indented: true) + "\n");
        string metricsPath = Path.Combine(outDir, MetricsFile);
        string checkpoint = Path.Combine(outDir, CheckpointFile);
        TruncateMetrics(metricsPath, trainer.Iteration);

        var clock = Stopwatch.StartNew();
        double Seconds() => trainer.PriorSeconds + clock.Elapsed.TotalSeconds;
        JsonObject? last = null;
        bool interrupted = false;
        var config = trainer.Config;
        while (trainer.Iteration < config.Iters)
        {
            if (cancel.IsCancellationRequested)
            {
                interrupted = true;
                break;
            }
            var losses = trainer.Step();
            trainer.AfterStep(outDir);
            JsonObject? metrics = null;
            if (trainer.Iteration % config.EvalEvery == 0 || trainer.Iteration == config.Iters)
            {
                metrics = MetricsLine(trainer, losses, Seconds(), outDir);
                File.AppendAllText(metricsPath, metrics.ToJsonString() + "\n");
                trainer.SaveCheckpoint(checkpoint, Seconds());
                last = metrics;
            }
            progress?.Invoke(new RunProgress(trainer.Iteration, config.Iters, losses, metrics));
        }
        if (interrupted) trainer.SaveCheckpoint(checkpoint, Seconds());
        DrawMetrics(metricsPath, Path.Combine(outDir, MetricsPlotFile), $"{config.Variant} on {config.Dataset}", trainer.PlottedMetrics);
        return new RunResult(trainer.Iteration, Seconds(), interrupted, last, checkpoint);
    }

    /// <summary>Deletes the files a run writes into <paramref name="outDir"/> (and nothing else there).</summary>
    public static void DeleteRunFiles(string outDir)
    {
        foreach (var file in new[] { CheckpointFile, MetricsFile, ConfigFile, MetricsPlotFile })
            File.Delete(Path.Combine(outDir, file));
        string frames = Path.Combine(outDir, FramesFolder);
        if (Directory.Exists(frames))
            foreach (var png in Directory.EnumerateFiles(frames, "iter_*.png")) File.Delete(png);
    }

    /// <summary>The losses of the last iteration and the trainer's measures: one line of metrics.jsonl.</summary>
    private static JsonObject MetricsLine(IGanTrainer trainer, StepLosses losses, double seconds, string outDir)
    {
        var line = new JsonObject
        {
            ["iter"] = trainer.Iteration,
            ["time_s"] = Math.Round(seconds, 3),
            ["critic_w"] = Round(losses.CriticW),
            ["critic_loss"] = Round(losses.CriticLoss),
            ["g_loss"] = Round(losses.GLoss),
        };
        foreach (var (key, value) in trainer.Evaluate(outDir).ToList())
            line[key] = value?.DeepClone();
        return line;
    }

    /// <summary>The path of the picture of iteration <paramref name="iteration"/>.</summary>
    public static string FramePath(string outDir, int iteration) => Path.Combine(outDir, FramesFolder, $"iter_{iteration:D6}.png");

    public static double Round(double x) => double.IsFinite(x) ? Math.Round(x, 6) : x;

    /// <summary>On resume, drops metric lines written after the checkpoint (they will be written again).</summary>
    private static void TruncateMetrics(string path, int iteration)
    {
        if (!File.Exists(path)) return;
        var keep = File.ReadAllLines(path).Where(l => l.Length > 0 && IterationOf(l) is { } it && it <= iteration).ToList();
        File.WriteAllLines(path, keep);
    }

    private static int? IterationOf(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["iter"]?.GetValue<int>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Reads metrics.jsonl and draws each measure over the iterations.</summary>
    public static void DrawMetrics(string metricsPath, string pngPath, string title, IEnumerable<string> names)
    {
        if (!File.Exists(metricsPath)) return;
        var rows = File.ReadAllLines(metricsPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        if (rows.Count == 0) return;
        var series = new List<(string, double[], double[])>();
        foreach (var name in names)
        {
            var points = rows.Where(r => r[name] is not null)
                .Select(r => (It: Number(r["iter"]!), V: Number(r[name]!))).ToArray();
            if (points.Length > 0) series.Add((name, points.Select(p => p.It).ToArray(), points.Select(p => p.V).ToArray()));
        }
        MetricsPlot.Save(pngPath, series, title);
    }

    public static string Format(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>A JSON number as a double, whether it was written as an integer or not.</summary>
    public static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);
}
