using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanFromScratch.Engine.Distributed;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>What a run reports after each iteration (for a progress bar).</summary>
public readonly record struct RunProgress(int Iteration, int TotalIterations, StepLosses Losses, JsonObject? Metrics);

/// <summary>A run whose losses or state went NaN or infinite: it stops, keeping its last good checkpoint.</summary>
public sealed class RunDivergedException(int iteration, string what)
    : Exception($"{what} The run is stopped. Try a smaller --lr (or, for wgan, a smaller --clip).")
{
    public int Iteration { get; } = iteration;
}

/// <summary>How a run ended.</summary>
public sealed record RunResult(int Iteration, double Seconds, bool Interrupted, JsonObject? LastMetrics, string CheckpointPath);

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

    /// <summary>
    /// Trains until <see cref="TrainConfig.Iters"/> or until <paramref name="cancel"/> is
    /// signalled (then the iteration under way finishes and a checkpoint is saved). At every
    /// evaluation the metrics line is appended first and the checkpoint written after it, so a
    /// crash between the two leaves a line beyond the checkpoint, which a resume drops and writes
    /// again; and before either, the state is checked: a run whose weights or optimizer state are
    /// no longer finite stops (<see cref="RunDivergedException"/>) and keeps its last good checkpoint.
    /// </summary>
    /// <param name="changes">
    /// Settings a resume changed: recorded in metrics.jsonl as a line {"iter": …, "resumed": {setting: {"from": …, "to": …}}},
    /// except the planned iterations, whose extension changes no number of the run (config.json records every change).
    /// </param>
    public static RunResult Train(Trainer trainer, RunFolder folder, Action<RunProgress>? progress, CancellationToken cancel,
        IReadOnlyList<SettingChange>? changes = null)
    {
        string outDir = folder.Path;
        if (trainer.Config.Kind != Data.DataKind.Text) Directory.CreateDirectory(Path.Combine(outDir, FramesFolder)); // text writes samples/ instead
        AtomicFile.WriteAllText(Path.Combine(outDir, ConfigFile), trainer.Config.ToJson(indented: true) + "\n");
        string metricsPath = Path.Combine(outDir, MetricsFile);
        string checkpoint = Path.Combine(outDir, CheckpointFile);
        TruncateMetrics(metricsPath, trainer.Iteration);
        // A change is recorded when the run goes on under it (a complete run is not trained further).
        if (trainer.Iteration < trainer.Config.Iters && changes?.Where(c => c.Setting != "iters").ToList() is { Count: > 0 } recorded)
        {
            var resumed = new JsonObject();
            foreach (var c in recorded)
                resumed[c.Setting] = new JsonObject { ["from"] = JsonNode.Parse(c.From.GetRawText()), ["to"] = JsonNode.Parse(c.To.GetRawText()) };
            File.AppendAllText(metricsPath, new JsonObject { ["iter"] = trainer.Iteration, ["resumed"] = resumed }.ToJsonString() + "\n");
        }

        var clock = Stopwatch.StartNew();
        double Seconds() => trainer.PriorSeconds + clock.Elapsed.TotalSeconds;
        JsonObject? last = null;
        bool interrupted = false;
        var config = trainer.Config;
        try
        {
            Loop();
        }
        catch (RunDivergedException e)
        {
            // The last line says so (beyond the last checkpoint: a resume from it drops the line).
            File.AppendAllText(metricsPath, new JsonObject { ["iter"] = e.Iteration, [DivergedKey] = e.Message }.ToJsonString(Readable) + "\n");
            Draw();
            trainer.Ranks.WaitForAll(); // the other ranks end when the files are written
            throw;
        }
        Draw();
        trainer.Ranks.WaitForAll();
        return new RunResult(trainer.Iteration, Seconds(), interrupted, last, checkpoint);

        void Draw() => DrawMetrics(metricsPath, Path.Combine(outDir, MetricsPlotFile), $"{config.Variant} on {config.Dataset}",
            [.. trainer.Data.PlottedMetrics, .. trainer.Variant.MeasureNames]);

        void Loop()
        {
            while (trainer.Iteration < config.Iters)
            {
                if (trainer.Ranks.OnAnyRank(cancel.IsCancellationRequested)) // every rank stops at the same iteration
                {
                    interrupted = true;
                    break;
                }
                var losses = trainer.Step();
                trainer.Data.AfterStep(trainer, outDir); // pictures from the generator in eval mode: no buffer moves
                JsonObject? metrics = null;
                if (IsEvaluation(trainer))
                {
                    metrics = MetricsLine(trainer, losses, Seconds(), outDir);
                    var snapshot = Checked(trainer, trainer.Snapshot(Seconds()), metrics);
                    File.AppendAllText(metricsPath, metrics.ToJsonString() + "\n");
                    FaultInjection.Reach("metrics.written"); // a crash with the line written and the checkpoint not
                    snapshot.Write(checkpoint);
                    last = metrics;
                }
                progress?.Invoke(new RunProgress(trainer.Iteration, config.Iters, losses, metrics));
            }
            if (interrupted) Checked(trainer, trainer.Snapshot(Seconds()), null).Write(checkpoint);
        }
    }

    /// <summary>Whether the iteration just completed is one at which the run is evaluated and saved.</summary>
    private static bool IsEvaluation(Trainer trainer) =>
        trainer.Iteration % trainer.Config.EvalEvery == 0 || trainer.Iteration == trainer.Config.Iters;

    /// <summary>
    /// The loop of a rank other than 0 in a distributed run: the same iterations as rank 0's
    /// <see cref="Train"/>, stopped at the same one, with the same agreements at the same moments
    /// (whether to stop, whether rank 0 found the state finite, that the files are written), and
    /// nothing written: rank 0 evaluates, draws and saves. Returns whether the run was stopped by a signal (to any rank).
    /// </summary>
    public static bool Follow(Trainer trainer, CancellationToken cancel)
    {
        bool interrupted = false;
        try
        {
            while (trainer.Iteration < trainer.Config.Iters)
            {
                if (trainer.Ranks.OnAnyRank(cancel.IsCancellationRequested))
                {
                    interrupted = true;
                    break;
                }
                trainer.Step();
                if (IsEvaluation(trainer)) Checked(trainer, null, null);
            }
            if (interrupted) Checked(trainer, null, null);
        }
        finally
        {
            trainer.Ranks.WaitForAll();
        }
        return interrupted;
    }

    /// <summary>
    /// The snapshot, if every value in it is finite; else the run has diverged. In a distributed run
    /// rank 0 checks its snapshot and every rank learns the answer (the others pass none).
    /// </summary>
    private static CheckpointSnapshot Checked(Trainer trainer, CheckpointSnapshot? snapshot, JsonObject? metrics)
    {
        var found = snapshot?.FirstNonFinite();
        if (!trainer.Ranks.OnAnyRank(found is not null)) return snapshot!;
        if (found is not var (name, value))
            throw new RunDivergedException(trainer.Iteration, $"At iteration {trainer.Iteration} rank 0 found the run's state no longer finite.");
        string shown = metrics is null ? "" : " (" + string.Join(", ", new[] { "critic_w", "g_loss", "w1", "fd" }
            .Where(k => metrics[k] is not null).Select(k => $"{k} {Format(Number(metrics[k]!))}")) + ")";
        string what = $"At iteration {snapshot!.Iteration} the run's state is no longer finite: {name} holds {(float.IsNaN(value) ? "NaN" : value > 0 ? "+∞" : "−∞")}{shown}.";
        throw new RunDivergedException(snapshot.Iteration, what);
    }

    /// <summary>JSON text with its non-ASCII and quote characters as they are (∞, not \u221E).</summary>
    public static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The key of the last metrics line of a run that diverged (its value: what was no longer finite).</summary>
    public const string DivergedKey = "diverged";

    /// <summary>The files a run writes into its folder (besides the frames): what --force replaces.</summary>
    public static readonly string[] RunFiles = [CheckpointFile, MetricsFile, ConfigFile, MetricsPlotFile];

    /// <summary>Deletes the files a run writes into <paramref name="outDir"/> (and nothing else there).</summary>
    public static void DeleteRunFiles(string outDir)
    {
        foreach (var file in RunFiles)
            File.Delete(Path.Combine(outDir, file));
        string frames = Path.Combine(outDir, FramesFolder);
        if (Directory.Exists(frames))
            foreach (var png in Directory.EnumerateFiles(frames, "iter_*.png")) File.Delete(png);
        string samples = Path.Combine(outDir, Data.TextData.SamplesFolder);
        if (Directory.Exists(samples))
            foreach (var txt in Directory.EnumerateFiles(samples, "iter_*.txt")) File.Delete(txt);
    }

    /// <summary>The losses of the last iteration and the trainer's measures: one line of metrics.jsonl.</summary>
    private static JsonObject MetricsLine(Trainer trainer, StepLosses losses, double seconds, string outDir)
    {
        var line = new JsonObject
        {
            ["iter"] = trainer.Iteration,
            ["time_s"] = Math.Round(seconds, 3),
            ["critic_w"] = Round(losses.CriticW),
            ["critic_loss"] = Round(losses.CriticLoss),
            ["g_loss"] = Round(losses.GLoss),
        };
        foreach (var (key, value) in losses.Diagnostics ?? [])
            line[key] = Round(value);
        // Each measurement sees the networks as training left them (one's forwards in training mode do not reach the next).
        using (trainer.Measuring())
            foreach (var (key, value) in trainer.Data.Evaluate(trainer, outDir).ToList())
                line[key] = value?.DeepClone();
        using (trainer.Measuring())
            foreach (var (key, value) in trainer.Variant.Measure(trainer).ToList())
                line[key] = Round(value);
        using (trainer.Measuring()) trainer.Variant.DrawPictures(trainer, outDir);
        return line;
    }

    /// <summary>The path of the picture of iteration <paramref name="iteration"/>.</summary>
    public static string FramePath(string outDir, int iteration) => Path.Combine(outDir, FramesFolder, $"iter_{iteration:D6}.png");

    public static double Round(double x) => double.IsFinite(x) ? Math.Round(x, 6) : x;

    /// <summary>
    /// On resume, drops metric lines written after the checkpoint (they will be written again), and the
    /// record of settings changed by an earlier resume from this same checkpoint: that resume never reached
    /// a checkpoint (or this would be a later one), so its changes are not in the run.
    /// </summary>
    private static void TruncateMetrics(string path, int iteration)
    {
        if (!File.Exists(path)) return;
        var keep = File.ReadAllLines(path)
            .Where(l => l.Length > 0 && IterationOf(l) is { } it && (it < iteration || it == iteration && !IsResumeRecord(l))).ToList();
        AtomicFile.WriteAllText(path, string.Concat(keep.Select(l => l + "\n")));
    }

    /// <summary>Whether a metrics line is the record of a resume's changed settings ({"iter": …, "resumed": {…}}).</summary>
    private static bool IsResumeRecord(string line) => JsonNode.Parse(line)?["resumed"] is not null;

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

    /// <summary>A number as a person reads it in a log line: four significant digits, exponents as 1e-05 and 1.2e+30.</summary>
    public static string Format(double x) => x.ToString("G4", CultureInfo.InvariantCulture).Replace('E', 'e');

    /// <summary>A JSON number as a double, whether it was written as an integer or not.</summary>
    public static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);
}
