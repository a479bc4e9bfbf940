using System.Text.Json.Nodes;
using GanFromScratch.Gan;

namespace GanFromScratch.Tests;

/// <summary><c>gfs runs</c>: a finished, an interrupted, a diverged and a running run told apart; and folders that hold no run.</summary>
public sealed class RunListTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-runs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Tiny = ["--dim", "16", "--batch-size", "32", "--threads", "1"];

    private string Run(string name) => Path.Combine(_dir, name);

    /// <summary>A finished gan run of <paramref name="iters"/> iterations (evaluated every 2) in the folder <paramref name="name"/>.</summary>
    private string Finished(string name, int iters = 2)
    {
        var (code, _, err) = Gfs.Run(["train", "gan", "--iters", iters.ToString(), "--eval-every", "2", "--out", Run(name), .. Tiny]);
        Assert.True(code == 0, err);
        return Run(name);
    }

    /// <summary>Four runs: finished (6 of 6), interrupted (4 of 6, stopped as Ctrl-C stops it), diverged (lr 1e3), and one whose folder is held.</summary>
    private void MakeRuns()
    {
        var (code, _, err) = Gfs.Run(["train", "wgan-gp", "--iters", "6", "--eval-every", "2", "--out", Run("finished"), .. Tiny]);
        Assert.True(code == 0, err);

        var config = TestRuns.Defaults("gan") with { Iters = 6, EvalEvery = 2, Dim = 16, BatchSize = 32 };
        using var cancel = new CancellationTokenSource();
        using (var folder = RunFolder.Open(Run("interrupted")))
            TrainingRun.Train(TestRuns.Toy(config), folder, p =>
            {
                if (p.Iteration == 4) cancel.Cancel();
            }, cancel.Token);

        (code, _, err) = Gfs.Run(["train", "gan", "--dim", "64", "--iters", "300", "--eval-every", "10", "--threads", "1", "--lr", "1e3", "--out", Run("diverged")]);
        Assert.Equal(1, code);
    }

    [Fact]
    public void Runs_tells_finished_interrupted_diverged_and_running_apart()
    {
        MakeRuns();
        var (code, output, err) = Gfs.Run("runs", _dir, "--json");
        Assert.True(code == 0, err);
        var runs = JsonNode.Parse(output)!.AsArray().Select(r => r!.AsObject()).ToDictionary(r => Path.GetFileName(r["path"]!.GetValue<string>()));
        Assert.Equal(["diverged", "finished", "interrupted"], runs.Keys.Order());

        var finished = runs["finished"];
        Assert.Equal("finished", finished["state"]!.GetValue<string>());
        Assert.Equal("wgan-gp", finished["variant"]!.GetValue<string>());
        Assert.Equal("8gaussians", finished["dataset"]!.GetValue<string>());
        Assert.Equal(6, finished["done"]!.GetValue<int>());
        Assert.Equal(6, finished["planned"]!.GetValue<int>());
        // The last evaluation's metrics, as metrics.jsonl's last line has them.
        var lastLine = JsonNode.Parse(File.ReadAllLines(Path.Combine(Run("finished"), "metrics.jsonl"))[^1])!;
        foreach (var key in new[] { "w1", "modes", "hq" })
            Assert.Equal(lastLine[key]!.GetValue<double>(), finished["metrics"]![key]!.GetValue<double>());

        Assert.Equal("interrupted", runs["interrupted"]["state"]!.GetValue<string>());
        Assert.Equal(4, runs["interrupted"]["done"]!.GetValue<int>());
        Assert.Equal(6, runs["interrupted"]["planned"]!.GetValue<int>());

        var diverged = runs["diverged"];
        Assert.Equal("diverged", diverged["state"]!.GetValue<string>());
        Assert.Contains("no longer finite", diverged["diverged"]!.GetValue<string>());
        Assert.True(diverged["done"]!.GetValue<int>() < 300);

        // The table says the same; a folder another gfs holds (here: this process) is running.
        using (RunFolder.Open(Run("finished")))
        {
            (code, output, err) = Gfs.Run("runs", _dir);
            Assert.True(code == 0, err);
            var rows = output.Split('\n');
            Assert.Matches("running \\(process [0-9]+\\)", rows.Single(r => r.Contains("finished ") || r.Contains("│ finished")));
            Assert.Contains("4/6", rows.Single(r => r.Contains("│ interrupted")));
            Assert.Matches("diverged at [0-9]+", rows.Single(r => r.Contains("│ diverged")));
        }
        // One run folder given: that run alone.
        (code, output, err) = Gfs.Run("runs", Run("interrupted"), "--json");
        Assert.True(code == 0, err);
        Assert.Equal("interrupted", Assert.Single(JsonNode.Parse(output)!.AsArray())!["state"]!.GetValue<string>());
    }

    [Fact]
    public void A_resume_from_the_last_good_checkpoint_drops_the_divergence_line()
    {
        string run = Run("d");
        var (code, _, err) = Gfs.Run(["train", "gan", "--iters", "2", "--eval-every", "2", "--out", run, "--dim", "64", "--threads", "1"]);
        Assert.True(code == 0, err);
        // Continued with a learning rate of 1e3, it diverges before its next checkpoint (at 6).
        (code, _, _) = Gfs.Run(["train", "gan", "--out", run, "--resume", "--iters", "100", "--lr", "1e3", "--eval-every", "4", "--threads", "1"]);
        Assert.Equal(1, code);
        Assert.NotNull(JsonNode.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))[^1])!["diverged"]);
        Assert.Equal(RunState.Diverged, RunRecord.Read(run).State);
        Assert.Equal(2, RunRecord.Read(run).Done);

        // Resumed from that checkpoint with a learning rate that does not diverge, it is no longer listed as diverged.
        (code, _, err) = Gfs.Run(["train", "gan", "--out", run, "--resume", "--lr", "1e-4", "--iters", "4", "--eval-every", "2", "--threads", "1"]);
        Assert.True(code == 0, err);
        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")), l => l.Contains("\"diverged\""));
        Assert.Equal(RunState.Finished, RunRecord.Read(run).State);
        Assert.Equal(4, RunRecord.Read(run).Done);
    }

    [Fact]
    public void A_folder_without_runs_a_missing_folder_and_a_file_are_refused_in_one_line()
    {
        string empty = Run("empty");
        Directory.CreateDirectory(Path.Combine(empty, "not-a-run"));
        File.WriteAllText(Path.Combine(empty, "not-a-run", "notes.txt"), "hello");
        string file = Path.Combine(_dir, "file.txt");
        File.WriteAllText(file, "hello");
        foreach (var (folder, expected) in new[] { (empty, "holds no runs"), (Run("missing"), "There is no folder"), (file, "is a file") })
        {
            var (code, output, err) = Gfs.Run("runs", folder);
            Assert.Equal(2, code);
            Assert.Contains(expected, err);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.Equal("", output);
        }
    }

    [Fact]
    public void A_metrics_line_cut_off_at_the_end_is_left_out_and_one_broken_before_the_end_is_refused()
    {
        string metrics = Path.Combine(Finished("torn", iters: 4), TrainingRun.MetricsFile);
        string whole = File.ReadAllText(metrics);
        File.AppendAllText(metrics, "{\"iter\":6,\"time_s\":0.1,\"critic_w\":-0."); // killed mid-write
        Assert.Equal(2, RunRecord.Read(Run("torn")).Evaluations.Count());
        var (code, output, err) = Gfs.Run("runs", Run("torn"));
        Assert.True(code == 0, err);
        Assert.Contains("finished", output);
        File.WriteAllText(metrics, "{\"iter\":2,\"time_s\":0.1\n" + whole); // broken, but followed by more: not a cut
        Assert.Contains("line 1, is not a metrics line", Assert.Throws<InvalidDataException>(() => RunRecord.Read(Run("torn"))).Message);
    }

    [Fact]
    public void A_run_whose_checkpoint_was_changed_after_gfs_wrote_it_is_listed_as_damaged()
    {
        string checkpoint = Path.Combine(Finished("changed"), TrainingRun.CheckpointFile);
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[^10] ^= 0x40; // one bit of a weight
        File.WriteAllBytes(checkpoint, bytes);
        var (code, output, err) = Gfs.Run("runs", _dir, "--json");
        Assert.True(code == 0, err);
        var run = JsonNode.Parse(output)!.AsArray().Single(r => r!["path"]!.GetValue<string>().EndsWith("changed"))!;
        Assert.Equal("unreadable", run["state"]!.GetValue<string>());
        Assert.Contains("is damaged", run["problem"]!.GetValue<string>());
    }

    [Fact]
    public void A_run_folder_with_a_broken_config_is_listed_as_unreadable_beside_the_others()
    {
        Finished("good");
        Directory.CreateDirectory(Run("broken"));
        File.WriteAllText(Path.Combine(Run("broken"), "config.json"), "{ not json");
        var (code, output, err) = Gfs.Run("runs", _dir, "--json");
        Assert.True(code == 0, err);
        var runs = JsonNode.Parse(output)!.AsArray();
        Assert.Equal("unreadable", runs.Single(r => r!["path"]!.GetValue<string>().EndsWith("broken"))!["state"]!.GetValue<string>());
        Assert.Equal("finished", runs.Single(r => r!["path"]!.GetValue<string>().EndsWith("good"))!["state"]!.GetValue<string>());
    }
}
