using System.CommandLine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;

namespace GanFromScratch.Cli.Report;

/// <summary><c>gfs report RUN… [--out report.html]</c>: one self-contained HTML page of one run or several side by side.</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var runs = new Argument<string[]>("RUN") { Description = "Run folders (each with its config.json), one or several.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "The page to write (default: report.html in the first run's folder)." };
        var command = new Command("report",
            "Write one self-contained HTML page (images inlined, no network, no outside scripts) of one run or several side by side: " +
            "the runs and their settings as tables, a chart per metric (a line per run that has it), each run's frames as a player " +
            "(play, pause, a slider over the iterations) and its final picture.\n\n" +
            "Examples:\n  gfs report runs/wgan-gp-8gaussians\n  gfs report runs/wgan-gp-8gaussians runs/wgan-8gaussians --out compare.html")
        {
            runs, output,
        };
        command.SetAction(parse =>
        {
            var folders = parse.GetValue(runs)!;
            var read = new List<RunRecord>();
            foreach (var folder in folders)
            {
                if (!Directory.Exists(folder)) throw new UsageException($"There is no run folder {folder}; give folders that hold a run (see 'gfs runs').");
                if (!RunRecord.IsRun(folder)) throw new UsageException($"{folder} is not a run folder (it has no {TrainingRun.ConfigFile}); see 'gfs runs' for the runs there are.");
                read.Add(RunRecord.Read(folder));
            }
            string path = parse.GetValue(output) is { } o ? CommonOptions.NonEmptyPath(o, "--out") : Path.Combine(folders[0], "report.html");
            CommonOptions.OutputFile(path, "--out", "the page's file name (for example report.html)");
            if (!path.EndsWith(".html", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".htm", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"--out {path}: the report is an HTML page; give a name ending in .html (a run's own files are never overwritten).");
            string html = RunReport.Html(read);
            Nn.AtomicFile.WriteAllText(path, html);
            stdout.WriteLine($"Wrote {path} ({html.Length / 1024} KiB): {read.Count} run(s); open it in a browser.");
            return GfsApp.Ok;
        });
        return command;
    }
}
