using System.Text.Json.Nodes;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// A toy run killed (SIGKILL: no handler runs) at the worst moments — in the middle of an
/// iteration, half-way through writing a checkpoint, with the new checkpoint complete but not yet
/// renamed, with a metrics line written but its checkpoint not — then resumed, must end exactly
/// as an uninterrupted run: the same metrics and the same final checkpoint, and no temporary
/// file left behind. Then runs that go NaN, on the CPU and on the emulated CUDA kernels.
/// </summary>
public sealed class FaultInjectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-fault-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Run6 =
        ["train", "wgan-gp", "--dataset", "8gaussians", "--dim", "8", "--batch-size", "16", "--iters", "6", "--eval-every", "2", "--lr", "1e-3", "--threads", "1"];

    private static string Checkpoint(string run) => Path.Combine(run, TrainingRun.CheckpointFile);

    private static string[] MetricsWithoutTimes(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, TrainingRun.MetricsFile)).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            o.Remove("time_s");
            return o.ToJsonString();
        })];

    /// <summary>Everything a checkpoint holds but the clock: every tensor, and the metadata but the elapsed time and the checksum (which covers it).</summary>
    private static void SameCheckpoint(string expectedPath, string actualPath)
    {
        var (expected, expectedMeta) = SafeTensors.Load(expectedPath);
        var (actual, actualMeta) = SafeTensors.Load(actualPath);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, t) in expected) Assert.True(t.Data.SequenceEqual(actual[name].Data), $"{name} differs");
        foreach (var key in new[] { "elapsed_s", SafeTensors.ChecksumKey }) (expectedMeta, actualMeta) = (Without(expectedMeta, key), Without(actualMeta, key));
        Assert.Equal(expectedMeta.OrderBy(kv => kv.Key), actualMeta.OrderBy(kv => kv.Key));
    }

    private static Dictionary<string, string> Without(Dictionary<string, string> meta, string key) =>
        meta.Where(kv => kv.Key != key).ToDictionary(kv => kv.Key, kv => kv.Value);

    [Theory]
    [InlineData("step:3")]             // during iteration 3, after the checkpoint of iteration 2
    [InlineData("checkpoint.data:2")]  // half-way through writing the checkpoint of iteration 4
    [InlineData("checkpoint.rename:2")] // the checkpoint of iteration 4 written beside the old one, not renamed
    [InlineData("metrics.written:2")]  // the metrics line of iteration 4 written, its checkpoint not
    public void A_run_killed_at_the_worst_moments_resumes_to_the_uninterrupted_result(string fault)
    {
        string straight = Path.Combine(_dir, "straight"), killed = Path.Combine(_dir, "killed");
        var (code, _, err) = Gfs.Run([.. Run6, "--out", straight]);
        Assert.True(code == 0, err);

        var crash = GfsProcess.Run([.. Run6, "--out", killed], new Dictionary<string, string> { [FaultInjection.Variable] = fault });
        Assert.True(crash.Code == 137 || crash.Code == -9, $"expected a kill, got status {crash.Code}: {crash.Err}");
        Assert.Equal(2, TestRuns.LoadToy(Checkpoint(killed)).Iteration); // the last checkpoint that was complete

        var (resumed, output, resumeErr) = Gfs.Run("train", "wgan-gp", "--out", killed, "--resume", "--threads", "1");
        Assert.True(resumed == 0, resumeErr + output);
        Assert.Equal(MetricsWithoutTimes(straight), MetricsWithoutTimes(killed));
        SameCheckpoint(Checkpoint(straight), Checkpoint(killed));
        Assert.Empty(Directory.GetFiles(killed, "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>
    /// A NaN planted in one weight of the generator must reach the losses and stop the run, on the
    /// CPU and on the emulated CUDA kernels (ReLU once turned it into 0, and the run went on).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_NaN_planted_in_a_weight_stops_the_run(bool emulated)
    {
        using var backend = emulated ? Kernels.Cuda.IlgpuBackend.OpenCpuEmulator() : null;
        using var device = Engine.Device.Use(backend ?? (Kernels.Backend)Kernels.Cpu.CpuBackend.Instance);
        var trainer = TestRuns.Toy(TestRuns.Defaults("gan") with { Dim = 4, BatchSize = 4, Iters = 3 });
        trainer.Step();
        var weight = trainer.Players.Generator.NamedParameters().Single(p => p.Name == "main.2.weight").Value;
        var values = weight.ToArray();
        values[5] = float.NaN;
        weight.Load(values);
        var e = Assert.Throws<RunDivergedException>(() => trainer.Step());
        Assert.Equal(2, e.Iteration);
        Assert.Contains("NaN or infinite at iteration 2", e.Message);
    }

    /// <summary>A checkpoint that holds a NaN (gfs never writes one: this one was edited) is refused before a resume can spread it.</summary>
    [Fact]
    public void A_checkpoint_holding_a_NaN_is_refused_naming_the_tensor()
    {
        string run = Path.Combine(_dir, "nan");
        var (code, _, err) = Gfs.Run(["train", "gan", "--dataset", "8gaussians", "--iters", "2", "--eval-every", "2", "--dim", "4", "--batch-size", "4",
            "--threads", "1", "--out", run]);
        Assert.True(code == 0, err);
        TestRuns.Edit(Checkpoint(run), (tensors, _) => tensors["generator.main.2.weight"].Data[5] = float.NaN);
        var before = File.ReadAllBytes(Checkpoint(run));
        (code, _, err) = Gfs.Run("train", "gan", "--out", run, "--resume", "--iters", "4", "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("generator.main.2.weight", err);
        Assert.Contains("NaN", err);
        Assert.Equal(before, File.ReadAllBytes(Checkpoint(run)));
    }
}
