using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanFromScratch.Gan.Artifacts;

namespace GanFromScratch.Gan;

/// <summary>What a run reports after each iteration (for a progress bar).</summary>
public readonly record struct ToyProgress(int Iteration, int TotalIterations, StepLosses Losses, JsonObject? Metrics);

/// <summary>How a run ended.</summary>
public sealed record ToyRunResult(int Iteration, double Seconds, bool Interrupted, JsonObject? LastMetrics, string CheckpointPath);

/// <summary>
/// The training loop with its outputs, in one run folder:
/// <list type="bullet">
/// <item><c>config.json</c> — the settings;</item>
/// <item><c>metrics.jsonl</c> — one JSON object per evaluation;</item>
/// <item><c>frames/iter_NNNNNN.png</c> — the critic's contours, real and generated points;</item>
/// <item><c>checkpoint.safetensors</c> — written at every evaluation and at the end;</item>
/// <item><c>metrics.png</c> — the metrics over the run, drawn at the end.</item>
/// </list>
/// </summary>
public static class ToyRun
{
    public const string CheckpointFile = "checkpoint.safetensors";
    public const string MetricsFile = "metrics.jsonl";
    public const string ConfigFile = "config.json";
    public const string MetricsPlotFile = "metrics.png";
    public const string FramesFolder = "frames";
    private const float PictureRange = 3f;

    public static ToyRunResult Train(ToyTrainer trainer, string outDir, Action<ToyProgress>? progress, CancellationToken cancel)
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
            JsonObject? metrics = null;
            if (trainer.Iteration % config.EvalEvery == 0 || trainer.Iteration == config.Iters)
            {
                metrics = Evaluate(trainer, losses, Seconds(), outDir);
                File.AppendAllText(metricsPath, metrics.ToJsonString() + "\n");
                trainer.SaveCheckpoint(checkpoint, Seconds());
                last = metrics;
            }
            progress?.Invoke(new ToyProgress(trainer.Iteration, config.Iters, losses, metrics));
        }
        if (interrupted) trainer.SaveCheckpoint(checkpoint, Seconds());
        DrawMetrics(metricsPath, Path.Combine(outDir, MetricsPlotFile), $"{config.Variant} on {config.Dataset}");
        return new ToyRunResult(trainer.Iteration, Seconds(), interrupted, last, checkpoint);
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

    /// <summary>Measures the generator, draws a frame, and returns the line for metrics.jsonl.</summary>
    private static JsonObject Evaluate(ToyTrainer trainer, StepLosses losses, double seconds, string outDir)
    {
        var eval = trainer.Evaluate();
        var line = new JsonObject
        {
            ["iter"] = trainer.Iteration,
            ["time_s"] = Math.Round(seconds, 3),
            ["critic_w"] = Round(losses.CriticW),
            ["critic_loss"] = Round(losses.CriticLoss),
            ["g_loss"] = Round(losses.GLoss),
            ["grad_norm"] = Round(eval.GradNorm),
        };
        if (eval.Modes is { } modes) line["modes"] = modes;
        if (eval.HighQuality is { } hq) line["hq"] = Round(hq);
        line["w1"] = Round(eval.W1);
        string frame = Path.Combine(outDir, FramesFolder, $"iter_{trainer.Iteration:D6}.png");
        ToyFrame.Save(frame, trainer.CriticMap(64, PictureRange), PictureRange, eval.Real, eval.Generated,
            $"{trainer.Config.Variant} · {trainer.Config.Dataset} · iteration {trainer.Iteration} · W1 {eval.W1:F3}");
        return line;
    }

    private static double Round(double x) => double.IsFinite(x) ? Math.Round(x, 6) : x;

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
    public static void DrawMetrics(string metricsPath, string pngPath, string title)
    {
        if (!File.Exists(metricsPath)) return;
        var rows = File.ReadAllLines(metricsPath).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        if (rows.Count == 0) return;
        var series = new List<(string, double[], double[])>();
        foreach (var name in new[] { "w1", "hq", "modes", "critic_w", "g_loss", "grad_norm" })
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
