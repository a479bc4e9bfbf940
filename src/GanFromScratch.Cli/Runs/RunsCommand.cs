using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanFromScratch.Gan;
using Spectre.Console;

namespace GanFromScratch.Cli.Runs;

/// <summary><c>gfs runs [DIR]</c>: the runs under a folder as a table (or JSON): what, how far, how good, and how it stands.</summary>
internal static class RunsCommand
{
    public static Command Create(TextWriter stdout)
    {
        var folder = new Argument<string>("DIR") { Description = "The folder of run folders (default: runs), or one run folder.", DefaultValueFactory = _ => "runs" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array, one object per run, instead of the table." };
        var command = new Command("runs",
            "List the runs under a folder: variant, dataset, iterations done (saved in the checkpoint) of planned, the last evaluation's " +
            "main metrics, and the state: running (another gfs holds the folder now), diverged (the run stopped on a NaN or infinity; " +
            "the last good checkpoint is kept), finished, or interrupted (resume it with 'gfs train VARIANT --out RUN --resume').\n\n" +
            "Examples:\n  gfs runs\n  gfs runs experiments/\n  gfs runs --json")
        {
            folder, json,
        };
        command.SetAction(parse => List(CommonOptions.NonEmptyPath(parse.GetValue(folder)!, "DIR"), parse.GetValue(json), stdout));
        return command;
    }

    private static int List(string folder, bool json, TextWriter stdout)
    {
        if (File.Exists(folder)) throw new UsageException($"{folder} is a file; give the folder your runs are in (default: runs).");
        if (!Directory.Exists(folder)) throw new UsageException($"There is no folder {folder}; give the folder your runs are in (default: runs).");
        var runs = RunRecord.Under(folder);
        if (runs.Count == 0)
            throw new UsageException($"{folder} holds no runs (no run folder with a {TrainingRun.ConfigFile} in it); give the folder your runs are in (default: runs).");
        if (json)
        {
            var array = new JsonArray();
            foreach (var (path, run, problem) in runs) array.Add(AsJson(path, run, problem));
            stdout.WriteLine(array.ToJsonString(new JsonSerializerOptions(TrainingRun.Readable) { WriteIndented = true }));
            return GfsApp.Ok;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        if (!ReferenceEquals(stdout, Console.Out) || Console.IsOutputRedirected) console.Profile.Width = 160; // a file or a pipe: no terminal to fit
        var table = new Table().Title($"runs in {folder}");
        table.AddColumns("run", "variant", "dataset", "iterations", "last evaluation", "time", "state");
        foreach (var (path, run, problem) in runs)
        {
            string name = Markup.Escape(Path.GetFileName(Path.TrimEndingDirectorySeparator(path)));
            if (run is null)
            {
                table.AddRow(name, "?", "?", "", "", "", Markup.Escape($"unreadable: {problem}"));
                continue;
            }
            string metrics = string.Join(" · ", run.LastMetrics.Select(m => $"{m.Name} {TrainingRun.Format(m.Value)}"));
            string time = run.LastEvaluation?["time_s"] is { } t ? Duration(TrainingRun.Number(t)) : "";
            table.AddRow(name, run.Config.Variant, run.Config.Dataset, $"{run.Done}/{run.Config.Iters}", Markup.Escape(metrics), time, Markup.Escape(State(run)));
        }
        console.Write(table);
        return GfsApp.Ok;
    }

    private static string State(RunRecord run) => run.State switch
    {
        RunState.Running => $"running ({run.Holder})",
        RunState.Diverged => $"diverged at {run.Lines[^1]["iter"]}",
        _ => run.State.ToString().ToLowerInvariant(),
    };

    private static string Duration(double seconds) =>
        seconds < 60 ? $"{seconds:0} s" : seconds < 3600 ? $"{seconds / 60:0.#} min" : $"{seconds / 3600:0.#} h";

    private static JsonObject AsJson(string path, RunRecord? run, string? problem)
    {
        if (run is null) return new JsonObject { ["path"] = path, ["state"] = "unreadable", ["problem"] = problem };
        var metrics = new JsonObject();
        foreach (var (name, value) in run.LastMetrics) metrics[name] = value;
        var o = new JsonObject
        {
            ["path"] = path,
            ["variant"] = run.Config.Variant,
            ["dataset"] = run.Config.Dataset,
            ["done"] = run.Done,
            ["planned"] = run.Config.Iters,
            ["last_eval_iter"] = run.LastEvaluation?["iter"]?.DeepClone(),
            ["metrics"] = metrics,
            ["time_s"] = run.LastEvaluation?["time_s"]?.DeepClone(),
            ["state"] = run.State.ToString().ToLowerInvariant(),
        };
        if (run.Holder is { } holder) o["holder"] = holder;
        if (run.Divergence is { } what) o["diverged"] = what;
        return o;
    }
}
