using System.Globalization;
using System.Text.Json.Nodes;
using GanFromScratch.Engine;
using GanFromScratch.Engine.Distributed;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// A test that needs OpenMPI's mpirun: skipped, saying so, where it is missing — except under CI
/// (the CI variable set), whose .ci/run installs OpenMPI: there a missing mpirun fails the test.
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public static readonly bool Available = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "mpirun")));

    public MpiFactAttribute()
    {
        if (!Available && Environment.GetEnvironmentVariable("CI") is null)
            Skip = $"needs OpenMPI's mpirun ({OpenMpi.Install})";
    }
}

/// <summary>
/// Data-parallel training on MPI (issue 18): the collective seam on one rank and on several, a
/// distributed run against one process (exactly against the same batch in two halves, within a
/// stated tolerance against one batch), resume, a killed rank, a signal, rank 0 alone writing.
/// The runs are toy WGAN-GP runs of batch 256 on two ranks of one thread each.
/// </summary>
public sealed class DistributedTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Folder(string name) => Path.Combine(_dir, name);

    /// <summary>What every test's mpirun needs here: root may run it, and more ranks than cores may share them.</summary>
    private static readonly string[] Launcher = ["--allow-run-as-root", "--oversubscribe"];

    private static readonly string[] Toy = ["train", "wgan-gp", "--dataset", "8gaussians", "--dim", "128", "--threads", "1"];

    /// <summary>mpirun -np <paramref name="ranks"/> gfs <paramref name="args"/>.</summary>
    private static (int Code, string Out, string Err) Mpirun(int ranks, params string[] args)
    {
        using var p = new GfsProcess("mpirun", [.. Launcher, "-np", ranks.ToString(CultureInfo.InvariantCulture), .. GfsProcess.Command, .. args]);
        int code = p.Wait(300);
        return (code, p.Out, p.Err);
    }

    private static List<JsonObject> Metrics(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, TrainingRun.MetricsFile)).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];

    /// <summary>The measured values of a metrics line (everything but the clock).</summary>
    private static Dictionary<string, double> Values(JsonObject line) =>
        line.Where(kv => kv.Key != "time_s").ToDictionary(kv => kv.Key, kv => TrainingRun.Number(kv.Value!));

    private static Dictionary<string, StoredTensor> Tensors(string folder) => SafeTensors.Load(Path.Combine(folder, TrainingRun.CheckpointFile)).Tensors;

    private static void AssertSameTensors(string expected, string actual)
    {
        var (a, b) = (Tensors(expected), Tensors(actual));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, t) in a) Assert.True(t.Data.AsSpan().SequenceEqual(b[name].Data), $"{name} differs");
    }

    // ---- the seam -----------------------------------------------------------------------------

    [Fact]
    public void One_process_leaves_every_buffer_as_it_is()
    {
        var ranks = Collectives.Single;
        Assert.Equal((0, 1), (ranks.Rank, ranks.Size));
        float[] values = [1.5f, -2f, float.NaN];
        ranks.AllreduceSum(values);
        ranks.AllreduceMean(values);
        Assert.Equal(1.5f, values[0]);
        Assert.True(float.IsNaN(values[2]));
        byte[] bytes = [7, 8];
        ranks.Broadcast(bytes, root: 0);
        Assert.Equal([7, 8], bytes);
        Assert.True(ranks.OnAnyRank(true));
        Assert.False(ranks.OnAnyRank(false));
        Assert.Throws<ArgumentOutOfRangeException>(() => ranks.Broadcast(bytes, root: 1));
    }

    [Fact]
    public void The_mean_is_the_sum_times_one_over_the_ranks_at_every_element_vectors_and_tail()
    {
        var ranks = new PretendRanks(0, 3); // its sum is three times this rank's values
        var values = new float[1003];
        for (int i = 0; i < values.Length; i++) values[i] = 1 + i / 7f;
        float[] expected = [.. values.Select(v => v * 3 * (1f / 3))];
        values[5] = float.NaN;
        expected[5] = float.NaN;
        ranks.AllreduceMean(values);
        Assert.Equal(expected, values);
    }

    [MpiFact]
    public void The_collectives_give_known_sums_and_broadcasts_on_two_and_three_ranks()
    {
        foreach (int n in new[] { 2, 3 })
        {
            var (code, output, err) = Mpirun(n, "distributed");
            Assert.True(code == 0, $"{n} ranks: status {code}\n{output}\n{err}");
            Assert.Contains($"{n} rank(s)", output);
            Assert.Contains("allreduce ok · mean ok · broadcast ok", output);
        }
    }

    /// <summary>A rank that is not rank 0 of 2, for the trainer's share of a batch without MPI: its sums are its own values times 2 (as if the other rank held the same).</summary>
    private sealed class PretendRanks(int rank, int size) : ICollective
    {
        public int Rank => rank;
        public int Size => size;
        public string Description => "pretend";
        public void AllreduceSum(Span<float> values) { foreach (ref float v in values) v *= size; }
        public void Broadcast(Span<byte> bytes, int root) { }
        public void Abort(int exitCode) => throw new InvalidOperationException("abort");
        public void Dispose() { }
    }

    // ---- what crosses the ranks inside a graph: the all-reduce op, synchronized batch norm -------

    [Fact]
    public void The_allreduce_op_has_the_ranks_sum_for_its_gradient_to_the_second_order()
    {
        var ranks = new PretendRanks(1, 2); // y = 2x: the other rank holds the same x
        var x = OpGradientTests.Input(4, 2, 3);
        Assert.Equal(x.ToArray().Select(v => 2 * v), x.AllreduceSum(ranks).ToArray());
        GradCheck.Check(t => t[0].AllreduceSum(ranks).Square(), x);
        GradCheck.CheckSecondOrder(t => (t[0].AllreduceSum(ranks) * t[0]).Square(), x);
    }

    [Fact]
    public void Synchronized_batch_norm_over_ranks_holding_the_same_rows_is_batch_norm_with_its_gradients()
    {
        var x = OpGradientTests.Input(5, 4, 3, 2, 2);
        Tensor[] Run(ICollective? ranks)
        {
            var norm = new BatchNorm(3) { Ranks = ranks };
            var input = Tensor.FromArray(x.ToArray(), x.Shape).RequiresGrad_(true);
            var y = norm.Forward(input);
            var weights = Tensor.Randn(y.Shape, new RandomStream(9));
            var grads = Autograd.Grad([(y * weights).Sum()], [input, norm.Weight, norm.Bias]);
            return [y, .. grads!, norm.RunningMean, norm.RunningVar];
        }
        var (plain, synced) = (Run(null), Run(new PretendRanks(0, 2)));
        // The output, its gradients and the running mean are batch norm's; the running variance's
        // unbiased factor counts both ranks' rows: 2n/(2n − 1) in place of n/(n − 1), n = 16 per channel.
        const float n = 16;
        var expectedVar = plain[5].ToArray().Select(rv => 0.9f + (rv - 0.9f) * (n - 1) / n * (2 * n) / (2 * n - 1)).ToArray();
        for (int i = 0; i < plain.Length; i++)
        {
            var (a, b) = (i == 5 ? expectedVar : plain[i].ToArray(), synced[i].ToArray());
            for (int j = 0; j < a.Length; j++) Assert.True(Math.Abs(a[j] - b[j]) <= 1e-4f, $"tensor {i} element {j}: {b[j]} against {a[j]}");
        }
        var pretend = new PretendRanks(0, 2);
        GradCheck.Check(t => new BatchNorm(3) { Ranks = pretend }.Forward(t[0]), x);
        GradCheck.CheckSecondOrder(t => new BatchNorm(3) { Ranks = pretend }.Forward(t[0]).Square(), x);
    }

    [Fact]
    public void Each_rank_takes_its_rows_of_the_whole_batch_and_the_streams_advance_as_in_one_process()
    {
        var config = TrainConfig.Defaults(Registry.Get("wgan-gp"), "8gaussians") with { Dim = 8, BatchSize = 8, Iters = 2 };
        var alone = new Trainer(config, new Gan.Data.ToyData(config));
        var second = new Trainer(config, new Gan.Data.ToyData(config));
        second.Distribute(new PretendRanks(1, 2));
        var whole = new Batch(Tensor.FromArray([.. Enumerable.Range(0, 16).Select(i => (float)i)], 8, 2))
        {
            Real = Tensor.FromArray([.. Enumerable.Range(100, 8).Select(i => (float)i)], 8, 1),
            Alpha = Tensor.FromArray([.. Enumerable.Range(200, 8).Select(i => (float)i)], 8, 1),
        };
        var share = second.Share(whole);
        Assert.Equal([8f, 9, 10, 11, 12, 13, 14, 15], share.Noise.ToArray());
        Assert.Equal([104f, 105, 106, 107], share.Real!.ToArray());
        Assert.Equal([204f, 205, 206, 207], share.Alpha!.ToArray());
        Assert.Same(whole, alone.Share(whole));

        alone.Step();
        second.Step();
        Assert.Equal(alone.Snapshot(0).Metadata.Where(m => m.Key.StartsWith("rng.", StringComparison.Ordinal)),
                     second.Snapshot(0).Metadata.Where(m => m.Key.StartsWith("rng.", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("auto", 0, 4, "cuda:0")]
    [InlineData("auto", 3, 4, "cuda:3")]
    [InlineData("cuda", 5, 4, "cuda:1")]   // more ranks than GPUs on a machine share them
    [InlineData("auto", 1, 0, "auto")]     // no GPU: the CPU, as in one process
    [InlineData("cuda:2", 1, 4, "cuda:2")] // a device named outright is kept
    [InlineData("cpu", 1, 4, "cpu")]
    public void Each_rank_on_a_machine_takes_its_own_gpu(string given, int localRank, int gpus, string expected) =>
        Assert.Equal(expected, Device.ForRank(given, localRank, gpus));

    [Fact]
    public void A_batch_that_does_not_split_among_the_ranks_is_refused()
    {
        var config = TrainConfig.Defaults(Registry.Get("wgan-gp"), "8gaussians") with { Dim = 8, BatchSize = 9 };
        var trainer = new Trainer(config, new Gan.Data.ToyData(config));
        var e = Assert.Throws<ArgumentException>(() => trainer.Distribute(new PretendRanks(0, 2)));
        Assert.Contains("multiple of 2", e.Message);
    }

    [Fact]
    public void Batch_norm_over_one_row_per_rank_is_refused_unless_synchronized()
    {
        var config = TrainConfig.Defaults(Registry.Get("dcgan"), "mnist") with { Dim = 2, BatchSize = 2 };
        var trainer = TestRuns.Images(config, Gan.Data.ImageDataset.Random(8, 1));
        var e = Assert.Throws<ArgumentException>(() => trainer.Distribute(new PretendRanks(0, 2)));
        Assert.Contains("--sync-batch-norm", e.Message);
        // Synchronized, the statistics are over both ranks' rows: allowed (the pretend ranks refuse it later, at their first broadcast).
        Assert.DoesNotContain("at least 2", Record.Exception(() => TestRuns.Images(config, Gan.Data.ImageDataset.Random(8, 1)).Distribute(new PretendRanks(0, 2), syncBatchNorm: true))?.Message ?? "");
    }

    [Fact]
    public void Distributed_without_an_mpi_library_says_what_to_install_and_exits_2()
    {
        var (code, output, err) = GfsProcess.Run([.. Toy, "--iters", "1", "--distributed", "--out", Folder("none")],
            new Dictionary<string, string> { [OpenMpi.LibraryVariable] = "/nonexistent/libmpi.so.40" });
        Assert.Equal(2, code);
        Assert.Contains(OpenMpi.Install, err);
        Assert.Contains("mpirun -np 2 gfs train", err);
        Assert.False(Directory.Exists(Folder("none")), output);
    }

    // ---- training on two ranks ------------------------------------------------------------------

    [MpiFact]
    public void Under_mpirun_what_every_rank_would_say_is_said_once_and_commands_that_do_not_train_run_once()
    {
        var (code, _, err) = Mpirun(2, [.. Toy, "--bogus", "3", "--out", Folder("bad")]);
        Assert.NotEqual(0, code);
        Assert.Single(err.Split('\n'), l => l.Contains("Unknown option --bogus"));
        // A bad value every rank finds once MPI runs: said once, by rank 0, without a rank's name.
        (code, _, err) = Mpirun(2, [.. Toy, "--lr", "-1", "--out", Folder("bad")]);
        Assert.Equal(2, code);
        Assert.Single(err.Split('\n'), l => l.Contains("--lr must be a positive number"));
        Assert.DoesNotContain("(rank 1 of 2)", err);
        Assert.Equal(0, Gfs.Run([.. Toy, "--iters", "2", "--eval-every", "2", "--out", Folder("one")]).Code);
        string csv = Path.Combine(_dir, "samples.csv");
        (code, string output, err) = Mpirun(2, "sample", "--checkpoint", Path.Combine(Folder("one"), TrainingRun.CheckpointFile), "-n", "5", "--out", csv);
        Assert.True(code == 0, $"status {code}\n{output}\n{err}");
        Assert.Single(output.Split('\n'), l => l.Contains("Wrote 5 samples"));
        (code, output, _) = Mpirun(2, "sample", "--help");
        Assert.Equal(0, code);
        Assert.Single(output.Split('\n'), l => l.EndsWith("Usage:"));
    }

    [MpiFact]
    public void Two_ranks_train_as_one_process_does_with_the_batch_in_two_halves_and_close_to_one_batch()
    {
        string[] common = [.. Toy, "--iters", "10", "--eval-every", "1"];
        var (code, output, err) = Mpirun(2, [.. common, "--batch-size", "256", "--out", Folder("two")]);
        Assert.True(code == 0, $"status {code}\n{output}\n{err}");
        Assert.Contains("on each of 2 ranks", output);
        Assert.Equal(0, Gfs.Run([.. common, "--batch-size", "128", "--accumulate", "2", "--out", Folder("halves")]).Code);
        Assert.Equal(0, Gfs.Run([.. common, "--batch-size", "256", "--out", Folder("one")]).Code);

        // The same additions in the same order: every digit of every iteration, and every weight and moment.
        var (two, halves, one) = (Metrics(Folder("two")), Metrics(Folder("halves")), Metrics(Folder("one")));
        Assert.Equal(10, two.Count);
        Assert.Equal(halves.Select(Values), two.Select(Values));
        AssertSameTensors(Folder("halves"), Folder("two"));

        // One batch of 256 sums its rows in another order (one pass over 256 rows, not two over 128):
        // the first iteration agrees to the printed digit (values are written rounded to 1e-6), and
        // the rest drift as Adam's first steps magnify rounding — by at most 1.3e-5 relative in 10
        // iterations here (2026-12-04), against a tolerance of 1e-4.
        for (int i = 0; i < one.Count; i++)
            foreach (var (key, expected) in Values(one[i]))
            {
                double actual = Values(two[i])[key], tolerance = (i == 0 ? 2e-6 : 1e-4) * Math.Max(1, Math.Abs(expected));
                Assert.True(Math.Abs(actual - expected) <= tolerance, $"iteration {i + 1}, {key}: {actual} against {expected} (tolerance {tolerance})");
            }
    }

    /// <summary>The same on ILGPU's emulator of the CUDA kernels: the gradients go to the host, through MPI, and back.</summary>
    [MpiFact]
    public void On_the_cuda_kernels_emulated_two_ranks_equal_the_batch_in_two_halves()
    {
        string[] common = ["train", "wgan-gp", "--dataset", "8gaussians", "--dim", "16", "--threads", "1", "--iters", "2", "--eval-every", "1", "--device", "ilgpu-cpu"];
        var (code, output, err) = Mpirun(2, [.. common, "--batch-size", "32", "--out", Folder("two")]);
        Assert.True(code == 0, $"status {code}\n{output}\n{err}");
        Assert.Equal(0, Gfs.Run([.. common, "--batch-size", "16", "--accumulate", "2", "--out", Folder("halves")]).Code);
        Assert.Equal(Metrics(Folder("halves")).Select(Values), Metrics(Folder("two")).Select(Values));
        AssertSameTensors(Folder("halves"), Folder("two"));
    }

    /// <summary>
    /// DCGAN has batch norm in both networks: with --sync-batch-norm two ranks normalize as one process of
    /// the whole batch does (measured difference 1e-6 after 3 iterations); each rank on its own rows does not.
    /// </summary>
    [MpiFact]
    public void With_synchronized_batch_norm_two_ranks_follow_one_process()
    {
        string data = Directory.CreateDirectory(Folder("images")).FullName;
        ImageDataTests.WriteTinyMnist(data);
        string[] common = ["train", "dcgan", "--dataset", "mnist", "--data", data, "--dim", "8", "--threads", "1", "--iters", "3",
            "--eval-every", "1", "--batch-size", "16"];
        var (code, output, err) = Mpirun(2, [.. common, "--sync-batch-norm", "--out", Folder("synced")]);
        Assert.True(code == 0, $"status {code}\n{output}\n{err}");
        Assert.Contains("synchronized batch norm", output);
        Assert.Equal(0, Mpirun(2, [.. common, "--out", Folder("apart")]).Code);
        Assert.Equal(0, Gfs.Run([.. common, "--out", Folder("one")]).Code);
        double Largest(string folder) => Metrics(Folder("one")).Zip(Metrics(Folder(folder)))
            .SelectMany(p => Values(p.First).Select(kv => Math.Abs(kv.Value - Values(p.Second)[kv.Key]) / Math.Max(1, Math.Abs(kv.Value)))).Max();
        Assert.True(Largest("synced") <= 2e-5, $"synchronized: {Largest("synced")}");
        Assert.True(Largest("apart") > 10 * Largest("synced") + 1e-5, $"per rank: {Largest("apart")}, synchronized: {Largest("synced")}");
    }

    /// <summary>
    /// --sync-batch-norm is saved with the run: resumed without the option, it stays on and the run equals the
    /// uninterrupted one; '--sync-batch-norm false' turns it off, recorded as a change.
    /// </summary>
    [MpiFact]
    public void A_resumed_run_keeps_synchronized_batch_norm()
    {
        string data = Directory.CreateDirectory(Folder("images")).FullName;
        ImageDataTests.WriteTinyMnist(data);
        string[] common = ["train", "dcgan", "--dataset", "mnist", "--data", data, "--dim", "8", "--threads", "1", "--eval-every", "1", "--batch-size", "16"];
        Assert.Equal(0, Mpirun(2, [.. common, "--sync-batch-norm", "--iters", "3", "--out", Folder("whole")]).Code);
        Assert.Equal(0, Mpirun(2, [.. common, "--sync-batch-norm", "--iters", "2", "--out", Folder("parts")]).Code);
        Assert.Contains("\"sync_batch_norm\":true", File.ReadAllText(Path.Combine(Folder("parts"), "config.json")).Replace(" ", ""));
        var (code, output, err) = Mpirun(2, [.. common, "--iters", "3", "--out", Folder("parts"), "--resume"]);
        Assert.True(code == 0, $"status {code}\n{output}\n{err}");
        Assert.Contains("synchronized batch norm", output);
        Assert.Equal(Metrics(Folder("whole")).Select(Values), Metrics(Folder("parts")).Select(Values));
        AssertSameTensors(Folder("whole"), Folder("parts"));

        (code, output, err) = Mpirun(2, [.. common, "--iters", "4", "--out", Folder("parts"), "--resume", "--sync-batch-norm", "false"]);
        Assert.True(code == 0, $"status {code}\n{output}\n{err}");
        Assert.Contains("sync_batch_norm true → false", output);
        Assert.DoesNotContain("synchronized batch norm", output);
    }

    [MpiFact]
    public void A_distributed_run_resumes_exactly_and_continues_on_another_rank_count()
    {
        string[] common = [.. Toy, "--batch-size", "256", "--eval-every", "3"];
        Assert.Equal(0, Mpirun(2, [.. common, "--iters", "9", "--out", Folder("whole")]).Code);
        Assert.Equal(0, Mpirun(2, [.. common, "--iters", "6", "--out", Folder("parts")]).Code);
        var (code, output, err) = Mpirun(2, [.. common, "--iters", "9", "--out", Folder("parts"), "--resume"]);
        Assert.True(code == 0, $"status {code}\n{output}\n{err}");
        Assert.Contains("Resuming", output);
        Assert.Equal(Metrics(Folder("whole")).Select(Values), Metrics(Folder("parts")).Select(Values));
        AssertSameTensors(Folder("whole"), Folder("parts"));

        // The checkpoint does not depend on the rank count: one process continues it, two resume a one-process run.
        Assert.Equal(0, Gfs.Run([.. common, "--iters", "12", "--out", Folder("parts"), "--resume"]).Code);
        Assert.Equal(12, Metrics(Folder("parts"))[^1]["iter"]!.GetValue<int>());
        Assert.Equal(0, Mpirun(2, [.. common, "--iters", "15", "--out", Folder("parts"), "--resume"]).Code);
        Assert.Equal(15, Checkpoint.SavedIteration(Path.Combine(Folder("parts"), TrainingRun.CheckpointFile)));
    }

    [MpiFact]
    public void A_rank_started_with_other_settings_stops_every_rank_with_exit_2_before_anything_is_written()
    {
        string[] train = [.. GfsProcess.Command, .. Toy, "--iters", "4", "--out", Folder("mixed")];
        using var job = new GfsProcess("mpirun", [.. Launcher, "-np", "1", .. train, "--batch-size", "64", ":", "-np", "1", .. train, "--batch-size", "32"]);
        Assert.Equal(2, job.Wait(300));
        // Rank 1 names the difference; rank 0 says another rank differs (which of the two MPI_Abort reaches first varies).
        Assert.Matches("Rank 1 was started with other settings than rank 0 \\(batch size: 32 here, 64 on rank 0\\)|Another rank was started with other settings", job.Err + job.Out);
        Assert.False(Directory.Exists(Folder("mixed")));
    }

    [MpiFact]
    public void A_killed_rank_ends_every_rank_with_a_non_zero_status_and_the_last_checkpoint_whole()
    {
        // Rank 1 alone is killed (SIGKILL, no handler runs) at its 8th iteration, after the checkpoint of iteration 6.
        string[] train = [.. GfsProcess.Command, .. Toy, "--batch-size", "256", "--iters", "1000", "--eval-every", "3", "--out", Folder("killed")];
        using var job = new GfsProcess("mpirun", [.. Launcher, "-np", "1", .. train, ":", "-np", "1", "-x", $"{FaultInjection.Variable}=step:8", .. train]);
        int code = job.Wait(300);
        Assert.NotEqual(0, code);
        Assert.Contains("rank 1", job.Err + job.Out); // mpirun names the rank that died
        var checkpoint = Path.Combine(Folder("killed"), TrainingRun.CheckpointFile);
        Assert.InRange(Checkpoint.SavedIteration(checkpoint), 6, 7);
        SafeTensors.Load(checkpoint); // whole: its checksum holds
        Assert.Empty(Directory.EnumerateFiles(Folder("killed"), "*.tmp*"));
        Assert.Equal(0, Mpirun(2, [.. Toy, "--batch-size", "256", "--iters", "9", "--eval-every", "3", "--out", Folder("killed"), "--resume"]).Code);
    }

    [MpiFact]
    public void A_signal_to_one_rank_stops_every_rank_at_the_same_iteration_with_a_checkpoint()
    {
        string folder = Folder("stopped");
        using var job = new GfsProcess("mpirun", [.. Launcher, "-np", "2", .. GfsProcess.Command, .. Toy, "--batch-size", "256",
            "--iters", "100000", "--eval-every", "2", "--out", folder]);
        job.WaitUntil(() => File.Exists(Path.Combine(folder, TrainingRun.CheckpointFile)));
        int second = RankProcess(folder, rank: 1);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", second.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
        int code = job.Wait(120);
        Assert.NotEqual(0, code);
        Assert.Contains("Stopped by a signal to another rank at iteration", job.Out);
        int stoppedAt = int.Parse(System.Text.RegularExpressions.Regex.Match(job.Out, "at iteration ([0-9]+); checkpoint saved").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(stoppedAt, Checkpoint.SavedIteration(Path.Combine(folder, TrainingRun.CheckpointFile)));
    }

    /// <summary>The process id of rank <paramref name="rank"/> of the gfs job writing to <paramref name="folder"/> (from /proc: its command line and the rank mpirun gave it).</summary>
    private static int RankProcess(string folder, int rank)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0').Contains(folder)) continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (IOException)
            {
                // a process that ended meanwhile
            }
        }
        throw new InvalidOperationException($"No rank {rank} writes to {folder}.");
    }

    [MpiFact]
    public void Only_rank_0_writes_files()
    {
        // Each rank in a working folder of its own, with the same relative --out.
        Directory.CreateDirectory(Folder("rank0"));
        Directory.CreateDirectory(Folder("rank1"));
        string[] train = [.. GfsProcess.Command, .. Toy, "--batch-size", "256", "--iters", "4", "--eval-every", "2", "--out", "run"];
        using var job = new GfsProcess("mpirun", [.. Launcher, "-np", "1", "-wdir", Folder("rank0"), .. train, ":", "-np", "1", "-wdir", Folder("rank1"), .. train]);
        Assert.True(job.Wait(300) == 0, job.Out + job.Err);
        Assert.True(File.Exists(Path.Combine(Folder("rank0"), "run", TrainingRun.CheckpointFile)));
        Assert.True(File.Exists(Path.Combine(Folder("rank0"), "run", TrainingRun.MetricsFile)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Folder("rank1")));
    }
}
