using System.Text.Json;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// What a demanding user and a fault tester found (issue 16), each a test: divergence, stack
/// traces, settings given with --resume, damaged checkpoints, sample over its checkpoint, two
/// processes on one folder, signals, failed starts, leftovers, messages.
/// </summary>
public sealed class ReliabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-rel-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Out => Path.Combine(_dir, "run");
    private string CheckpointPath => Path.Combine(Out, TrainingRun.CheckpointFile);

    private static readonly string[] Tiny = ["--dim", "8", "--batch-size", "16", "--threads", "1"];

    private (int Code, string Out, string Err) Train(string variant, params string[] extra) =>
        Gfs.Run(["train", variant, "--dataset", "8gaussians", "--out", Out, .. Tiny, .. extra]);

    // ---- 1. divergence ----------------------------------------------------------------------

    /// <summary>The command: it ended "done", exit 0, with +∞ in Adam's state in the checkpoint.</summary>
    [Theory]
    [InlineData("gan")]
    [InlineData("lsgan")]
    [InlineData("wgan-gp")]
    public void A_diverging_run_stops_with_exit_1_and_never_writes_a_non_finite_checkpoint(string variant)
    {
        var (code, _, err) = Gfs.Run("train", variant, "--dataset", "8gaussians", "--dim", "64", "--iters", "300", "--eval-every", "10",
            "--threads", "1", "--lr", "1e3", "--out", Out);
        Assert.Equal(1, code);
        Assert.Matches("(no longer finite|NaN or infinite) at iteration [0-9]+|At iteration [0-9]+ the run's state is no longer finite", err);
        if (!File.Exists(CheckpointPath)) return; // it diverged before the first evaluation
        var (tensors, _) = SafeTensors.Load(CheckpointPath);
        Assert.All(tensors, t => Assert.All(t.Value.Data, v => Assert.True(float.IsFinite(v), $"{t.Key} holds {v}")));
    }

    // ---- 2. stack traces --------------------------------------------------------------------

    [Theory]
    [InlineData("--threads", "abc", "--threads expects a whole number, not 'abc'")]
    [InlineData("--batch-size", "2147483647", "more than a tensor holds")]
    [InlineData("--critic-iters", "2147483647", "more than a tensor holds")]
    [InlineData("--critic-iters", "10000000", "more than a tensor holds")]
    [InlineData("--batch-size", "100000000", "of memory (an estimate)")]
    [InlineData("--lr", "fast", "--lr expects a number, not 'fast'")]
    [InlineData("--seed", "-1", "--seed expects a whole number ≥ 0")]
    public void Impossible_sizes_and_unparsable_values_give_one_line_and_exit_2(string option, string value, string expected)
    {
        // The default batch of 256, as the commands had it.
        var (code, output, err) = Gfs.Run("train", "wgan-gp", "--dataset", "8gaussians", "--out", Out, "--dim", "8", option, value, "--iters", "1");
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", err + output); // no stack trace
        Assert.DoesNotContain("System.", err);        // no .NET type names
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void Sample_and_eval_refuse_counts_that_are_not_whole_numbers()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "1").Code);
        var sample = Gfs.Run("sample", "--checkpoint", CheckpointPath, "-n", "NaN", "--out", Path.Combine(_dir, "s.csv"));
        Assert.Equal(2, sample.Code);
        Assert.Contains("-n expects a whole number, not 'NaN'", sample.Err);
        var eval = Gfs.Run("eval", "--checkpoint", CheckpointPath, "-n", "1e3");
        Assert.Equal(2, eval.Code);
        Assert.Contains("-n expects a whole number, not '1e3'", eval.Err);
    }

    [Fact]
    public void An_output_folder_that_may_not_be_written_is_a_usage_error()
    {
        // sysfs refuses new entries even to root (where file permissions would not).
        if (!Directory.Exists("/sys/kernel")) return;
        var (code, _, err) = Gfs.Run(["train", "wgan-gp", "--iters", "1", "--out", "/sys/gfs-test/run", .. Tiny]);
        Assert.Equal(2, code);
        Assert.Contains("/sys/gfs-test", err);
        Assert.Contains("choose a place you may write", err);
    }

    // ---- 3. settings given with --resume ------------------------------------------------------

    [Fact]
    public void Training_settings_given_with_resume_are_applied_and_recorded_and_the_networks_are_kept()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "2", "--eval-every", "2").Code);
        var (code, output, err) = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--iters", "4", "--lr", "0.5", "--lambda", "3",
            "--critic-iters", "1", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("changed: iters 2 → 4, lr 0.0001 → 0.5, critic_iters 5 → 1, lambda 0.1 → 3", output);

        var config = Checkpoint.ReadConfig(CheckpointPath);
        Assert.Equal(0.5f, config.Lr);
        Assert.Equal(1, config.CriticIters);
        Assert.Equal(3f, WganGp.Lambda.Of(config));
        Assert.Equal(["iters", "lr", "critic_iters", "lambda"], config.Changes.Select(c => c.Setting));
        Assert.All(config.Changes, c => Assert.Equal(2, c.Iter));
        Assert.Contains("\"lr\": 0.5", File.ReadAllText(Path.Combine(Out, TrainingRun.ConfigFile)));
        // Trained with them: 2 iterations of 5 critic steps, then 2 of 1.
        Assert.Equal("12", SafeTensors.ReadMetadata(CheckpointPath)["optimizer.critic.step"]);
        var resumed = File.ReadAllLines(Path.Combine(Out, TrainingRun.MetricsFile)).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(l => l.TryGetProperty("resumed", out _)).GetProperty("resumed");
        Assert.Equal(0.5, resumed.GetProperty("lr").GetProperty("to").GetDouble(), 6);
        Assert.Equal(3, resumed.GetProperty("lambda").GetProperty("to").GetDouble(), 6);
        Assert.False(resumed.TryGetProperty("iters", out _)); // extending a run changes no number of it

        foreach (var (option, value) in new[] { ("--dim", "16"), ("--seed", "9"), ("--dataset", "25gaussians") })
        {
            var refused = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", option, value, "--threads", "1");
            Assert.Equal(2, refused.Code);
            Assert.Contains($"{option} ", refused.Err);
            Assert.Contains("keeps its networks and data", refused.Err);
        }
    }

    [Fact]
    public void A_resume_that_would_go_back_or_train_nothing_into_a_new_folder_is_refused_and_writes_nothing()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "4", "--eval-every", "2").Code);
        string config = File.ReadAllText(Path.Combine(Out, TrainingRun.ConfigFile));
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--iters", "2", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("--iters 2 is below the iteration", err);
        Assert.Equal(config, File.ReadAllText(Path.Combine(Out, TrainingRun.ConfigFile)));
        string copy = Path.Combine(_dir, "copy");
        (code, _, err) = Gfs.Run("train", "wgan-gp", "--resume", CheckpointPath, "--out", copy, "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("is a complete run (iteration 4 of 4)", err);
        Assert.False(Directory.Exists(copy));
        // Continued further, the copy is a run of its own.
        (code, _, err) = Gfs.Run("train", "wgan-gp", "--resume", CheckpointPath, "--out", copy, "--iters", "6", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(copy, TrainingRun.CheckpointFile)));
    }

    [Fact]
    public void A_change_that_never_trains_is_not_recorded()
    {
        string metrics = Path.Combine(Out, TrainingRun.MetricsFile);
        Assert.Equal(0, Train("wgan-gp", "--iters", "2", "--eval-every", "2").Code);
        // A complete run given a new rate trains no further: nothing to record.
        var (code, output, err) = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--lr", "0.5", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("That run is complete", output);
        Assert.DoesNotContain("resumed", File.ReadAllText(metrics));
        // A resume that changed a setting and was killed before its first checkpoint left its record at the checkpoint's iteration.
        File.AppendAllText(metrics, "{\"iter\":2,\"resumed\":{\"lr\":{\"from\":0.0001,\"to\":0.5}}}\n");
        (code, _, err) = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--iters", "4", "--threads", "1");
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(metrics);
        Assert.DoesNotContain(lines, l => l.Contains("resumed"));
        Assert.Equal([2, 4], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("iter").GetInt32()));
        Assert.Equal(0.0001f, Checkpoint.ReadConfig(CheckpointPath).Lr);
    }

    [Fact]
    public void A_checkpoint_resumed_into_another_runs_folder_needs_force()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "2", "--eval-every", "2").Code);
        string other = Path.Combine(_dir, "other");
        var (code, _, err) = Gfs.Run(["train", "gan", "--iters", "2", "--eval-every", "2", "--out", other, .. Tiny]);
        Assert.True(code == 0, err);
        string otherMetrics = File.ReadAllText(Path.Combine(other, TrainingRun.MetricsFile));
        var otherCheckpoint = File.ReadAllBytes(Path.Combine(other, TrainingRun.CheckpointFile));

        (code, _, err) = Gfs.Run("train", "wgan-gp", "--resume", CheckpointPath, "--out", other, "--iters", "4", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("is not its checkpoint", err);
        Assert.Contains("--force", err);
        Assert.Equal(otherMetrics, File.ReadAllText(Path.Combine(other, TrainingRun.MetricsFile)));
        Assert.Equal(otherCheckpoint, File.ReadAllBytes(Path.Combine(other, TrainingRun.CheckpointFile)));

        (code, _, err) = Gfs.Run("train", "wgan-gp", "--resume", CheckpointPath, "--out", other, "--iters", "4", "--threads", "1", "--force");
        Assert.True(code == 0, err);
        Assert.Equal("wgan-gp", Checkpoint.ReadConfig(Path.Combine(other, TrainingRun.CheckpointFile)).Variant);
        Assert.DoesNotContain("\"iter\":2", File.ReadAllText(Path.Combine(other, TrainingRun.MetricsFile))); // the gan run's lines are gone

        string fresh = Path.Combine(_dir, "fresh"); // an empty or new folder needs nothing
        (code, _, err) = Gfs.Run("train", "wgan-gp", "--resume", CheckpointPath, "--out", fresh, "--iters", "4", "--threads", "1");
        Assert.True(code == 0, err);
    }

    [Fact]
    public void A_rerun_on_another_dataset_leaves_the_old_datas_folder_behind()
    {
        string tiny = Path.Combine(_dir, "tiny");
        ImageDataTests.WriteTinyMnist(tiny, 12);
        string images = Path.Combine(_dir, "images");
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--dataset", "mnist", "--data", tiny, "--iters", "1", "--out", images, "--dim", "2",
            "--batch-size", "4", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Equal(tiny, TrainConfig.ReadFile(Path.Combine(images, TrainingRun.ConfigFile)).DataDir);
        // Fashion-MNIST from its own place (the Debian package's folder), not from the MNIST run's folder.
        string fashion = Path.Combine(_dir, "fashion");
        (code, _, err) = Gfs.Run("train", "--config", Path.Combine(images, TrainingRun.ConfigFile), "--dataset", "fashion-mnist",
            "--iters", "1", "--out", fashion);
        if (code == 0) Assert.Null(TrainConfig.ReadFile(Path.Combine(fashion, TrainingRun.ConfigFile)).DataDir);
        else
        {
            Assert.Equal(2, code); // not installed here: the message names the package, and no folder is written
            Assert.Contains("dataset-fashion-mnist", err);
            Assert.DoesNotContain(tiny, err);
        }
    }

    [Fact]
    public void Ema_start_without_ema_is_refused()
    {
        var (code, _, err) = Gfs.Run(["train", "wgan-gp", "--iters", "1", "--ema-start", "10", "--out", Out, .. Tiny]);
        Assert.Equal(2, code);
        Assert.Contains("give --ema too", err);
        Assert.False(Directory.Exists(Out));
    }

    // ---- 4. damaged checkpoints ----------------------------------------------------------------

    [Fact]
    public void A_flipped_bit_or_an_edited_counter_is_refused_naming_the_file()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "2", "--eval-every", "2").Code);
        var good = File.ReadAllBytes(CheckpointPath);

        var flipped = (byte[])good.Clone();
        flipped[^7] ^= 0x04;
        File.WriteAllBytes(CheckpointPath, flipped);
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--iters", "4", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains(CheckpointPath, err);
        Assert.Contains("is damaged", err);

        // The iteration edited from 2 to 9, and the checksum made to match: the counters still disagree.
        File.WriteAllBytes(CheckpointPath, good);
        TestRuns.Edit(CheckpointPath, (_, meta) => meta["iteration"] = "9");
        (code, _, err) = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--iters", "12", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("does not add up: it says iteration 9, but its generator has taken 2 steps", err);
    }

    // ---- 5. sample over its own checkpoint -----------------------------------------------------

    [Fact]
    public void Sample_refuses_to_write_over_the_checkpoint_or_in_a_format_the_data_cannot_take()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "1").Code);
        var before = File.ReadAllBytes(CheckpointPath);
        var (code, _, err) = Gfs.Run("sample", "--checkpoint", CheckpointPath, "--out", CheckpointPath);
        Assert.Equal(2, code);
        Assert.Contains("is the checkpoint itself", err);
        Assert.Equal(before, File.ReadAllBytes(CheckpointPath));
        (code, _, err) = Gfs.Run("sample", "--checkpoint", CheckpointPath, "--out", Path.Combine(_dir, "points.npy"));
        Assert.Equal(2, code);
        Assert.Contains(".csv", err);
        Assert.False(File.Exists(Path.Combine(_dir, "points.npy")));
    }

    // ---- 6. two processes on one folder -------------------------------------------------------

    [Fact]
    public void A_second_gfs_on_a_run_folder_is_refused_with_the_holders_id()
    {
        using var first = new GfsProcess(["train", "wgan-gp", "--iters", "100000", "--eval-every", "100000", "--out", Out, .. Tiny]);
        string lockFile = Path.Combine(Out, RunFolder.LockFile);
        first.WaitUntil(() => File.Exists(lockFile) && File.ReadAllText(lockFile).Contains($"process {first.Id}"));
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains($"in use by another gfs (process {first.Id})", err);
        Assert.Equal($"process {first.Id}", RunFolder.Holder(Out));

        // In one process, a folder is held once.
        using var folder = RunFolder.Open(Path.Combine(_dir, "mine"));
        Assert.Throws<RunFolderBusyException>(() => RunFolder.Open(Path.Combine(_dir, "mine")));
    }

    // ---- 7. signals ------------------------------------------------------------------------------

    [Theory]
    [InlineData("TERM", 143, "SIGTERM")]
    [InlineData("HUP", 129, "SIGHUP")]
    [InlineData("INT", 130, "SIGINT")]
    public void A_signal_finishes_the_iteration_saves_and_exits_with_128_plus_its_number(string signal, int status, string name)
    {
        using var run = new GfsProcess(["train", "wgan-gp", "--iters", "100000", "--eval-every", "5", "--out", Out, .. Tiny]);
        run.WaitUntil(() => run.Out.Contains("iter 5 "));
        run.Signal(signal);
        Assert.Equal(status, run.Wait());
        Assert.Contains($"Stopped by {name}", run.Out);
        int saved = int.Parse(SafeTensors.ReadMetadata(CheckpointPath)["iteration"]);
        Assert.True(saved >= 5, $"the checkpoint is at iteration {saved}");
        Assert.Null(RunFolder.Holder(Out)); // the lock went with the process
    }

    // ---- 8. failed starts ------------------------------------------------------------------------

    [Fact]
    public void Images_of_the_wrong_size_are_refused_before_the_folder_is_made_and_the_retry_needs_no_force()
    {
        string small = Path.Combine(_dir, "small");
        ImageDataTests.WriteTinyMnist(small, 12, side: 10);
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--dataset", "mnist", "--data", small, "--iters", "1", "--out", Out, "--dim", "2",
            "--batch-size", "4", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("10×10", err);
        Assert.Contains("28×28", err);
        Assert.False(Directory.Exists(Out));

        string good = Path.Combine(_dir, "good");
        ImageDataTests.WriteTinyMnist(good, 12);
        (code, _, err) = Gfs.Run("train", "wgan-gp", "--dataset", "mnist", "--data", good, "--iters", "1", "--out", Out, "--dim", "2",
            "--batch-size", "4", "--threads", "1");
        Assert.True(code == 0, err);
    }

    [Fact]
    public void A_folder_created_for_a_start_that_fails_is_removed_again()
    {
        var folder = RunFolder.Open(Out);
        Assert.True(folder.Created);
        folder.Dispose(); // nothing was written: as a start that failed after taking the folder
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void An_out_folder_that_cannot_be_made_is_refused_with_exit_2_and_says_why()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "not a folder");
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--iters", "1", "--out", Path.Combine(file, "run"), "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("cannot be made or written", err);
        Assert.Contains("choose a place you may write", err);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void Sample_makes_the_folders_its_out_file_needs_and_refuses_a_path_through_a_file()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "1").Code);
        string nested = Path.Combine(_dir, "new", "folder", "points.csv");
        var (code, _, err) = Gfs.Run("sample", "--checkpoint", CheckpointPath, "--out", nested, "-n", "10");
        Assert.True(code == 0, err);
        Assert.Equal(11, File.ReadAllLines(nested).Length); // a header and 10 points
        (code, _, err) = Gfs.Run("sample", "--checkpoint", CheckpointPath, "--out", Path.Combine(nested, "points.csv"), "-n", "10");
        Assert.Equal(2, code);
        Assert.Contains("is a file, not a folder", err);
    }

    // ---- 9. leftovers ----------------------------------------------------------------------------

    [Fact]
    public void Temporary_files_of_killed_writers_are_removed_when_the_folder_is_opened()
    {
        Assert.Equal(0, Train("wgan-gp", "--iters", "2", "--eval-every", "2").Code);
        int dead = DeadProcessId();
        string stale = Path.Combine(Out, $".{TrainingRun.CheckpointFile}.{dead}.tmp");
        string staleFrame = Path.Combine(Out, TrainingRun.FramesFolder, $".iter_000004.png.{dead}.tmp");
        File.WriteAllText(stale, "half a checkpoint");
        File.WriteAllText(staleFrame, "half a picture");
        Assert.Equal(0, Gfs.Run("train", "wgan-gp", "--out", Out, "--resume", "--iters", "4", "--threads", "1").Code);
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(staleFrame));
    }

    private static int DeadProcessId()
    {
        for (int pid = 4_000_000; ; pid--)
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Dispose();
            }
            catch (ArgumentException)
            {
                return pid;
            }
    }

    [Fact]
    public void A_write_that_fails_leaves_the_old_file_and_no_temporary()
    {
        string path = Path.Combine(_dir, "frame.png");
        File.WriteAllText(path, "old");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, temp =>
        {
            File.WriteAllText(temp, "half of the n");
            throw new IOException("No space left on device");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    // ---- 10. messages ----------------------------------------------------------------------------

    [Fact]
    public void Messages_say_what_is_wrong_in_the_users_terms()
    {
        var unknown = Gfs.Run("train", "began", "--iters", "5", "--lr", "3");
        Assert.Equal(2, unknown.Code);
        Assert.Single(unknown.Err.Split('\n'), l => l.StartsWith("gfs:"));
        Assert.Contains("'began' is not a subcommand of 'train'", unknown.Err);

        var emptyOut = Gfs.Run(["train", "wgan-gp", "--out", "", "--iters", "1", .. Tiny]);
        Assert.Equal(2, emptyOut.Code);
        Assert.Contains("--out needs a path", emptyOut.Err);
        Assert.DoesNotContain("Parameter", emptyOut.Err);

        var lambdaToWgan = Gfs.Run(["train", "wgan", "--lambda", "3", "--out", Out, .. Tiny]);
        Assert.Equal(2, lambdaToWgan.Code);
        Assert.Contains("--lambda is an option of wgan-gp, cwgan-gp, not of wgan", lambdaToWgan.Err);
        var clipToWganGp = Gfs.Run(["train", "wgan-gp", "--clip", "0.1", "--out", Out, .. Tiny]);
        Assert.Contains("--clip is an option of wgan, not of wgan-gp", clipToWganGp.Err);

        var threads = Gfs.Run("train", "wgan-gp", "--iters", "1", "--dim", "8", "--batch-size", "16", "--threads", "1000000", "--out", Out);
        Assert.True(threads.Code == 0, threads.Err);
        Assert.Contains($"--threads 1000000: this machine has {Environment.ProcessorCount} cores; using {Environment.ProcessorCount}.", threads.Out);
        Assert.Contains($"{Environment.ProcessorCount} thread(s)", threads.Out);

        string notACheckpoint = Path.Combine(_dir, "notes.safetensors");
        SafeTensors.Write(notACheckpoint, [], new Dictionary<string, string> { ["format"] = "someone-else/1" });
        var sample = Gfs.Run("sample", "--checkpoint", notACheckpoint, "--out", Path.Combine(_dir, "s.csv"));
        Assert.Equal(2, sample.Code);
        Assert.DoesNotContain("resume", sample.Err);
        Assert.Contains("someone-else/1", sample.Err);
    }

    [Fact]
    public void Eval_without_a_classifier_says_how_to_train_one_for_the_runs_dataset()
    {
        string data = Path.Combine(_dir, "mnist");
        ImageDataTests.WriteTinyMnist(data, 12);
        Assert.Equal(0, Gfs.Run("train", "wgan-gp", "--dataset", "mnist", "--data", data, "--iters", "1", "--out", Out, "--dim", "2",
            "--batch-size", "4", "--threads", "1").Code);
        var (code, _, err) = Gfs.Run("eval", "--checkpoint", CheckpointPath, "--classifier", Path.Combine(_dir, "none.safetensors"), "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("gfs train classifier --dataset mnist --data DIR", err);
    }
}
