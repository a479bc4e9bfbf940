using System.Text.Json.Nodes;
using GanFromScratch.Gan;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>
/// Checkpoints written before players were saved by role (version 1, Golden/v1/, written by gfs at
/// commit 51ca188) still load, sample and resume exactly as they did then; a format this gfs does
/// not know is refused with its name.
/// </summary>
public sealed class CheckpointVersionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-v1-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => Gfs.Run(args);

    private static string V1(string name) => GoldenFiles.PathOf(Path.Combine("v1", name));

    private static JsonObject WithoutTime(string line)
    {
        var o = JsonNode.Parse(line)!.AsObject();
        o.Remove("time_s");
        return o;
    }

    [Fact]
    public void A_version_1_toy_checkpoint_resumes_to_the_same_metrics_as_the_version_that_wrote_it()
    {
        string run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(run);
        File.Copy(V1("toy-wgan-gp-iter2.safetensors"), Path.Combine(run, TrainingRun.CheckpointFile));
        Assert.Equal(Checkpoint.ToyFormatV1, Checkpoint.FormatOf(Path.Combine(run, TrainingRun.CheckpointFile)));
        var (code, output, err) = Run("train", "wgan-gp", "--out", run, "--resume", "--iters", "4", "--threads", "1");
        Assert.True(code == 0, err + output);
        var expected = WithoutTime(File.ReadAllText(V1("toy-wgan-gp-iter4-metrics.jsonl")).Trim());
        var actual = WithoutTime(File.ReadAllLines(Path.Combine(run, TrainingRun.MetricsFile))[^1]);
        Assert.Equal(expected.ToJsonString(), actual.ToJsonString());
        // It is saved again in this version's format, with the variant's λ among its options.
        Assert.Equal(Checkpoint.Format, Checkpoint.FormatOf(Path.Combine(run, TrainingRun.CheckpointFile)));
        Assert.Equal(0.1f, WganGp.Lambda.Of(Checkpoint.ReadConfig(Path.Combine(run, TrainingRun.CheckpointFile))));
    }

    [Theory]
    [InlineData("toy-wgan-gp-iter2.safetensors", "toy-wgan-gp-iter2-samples.csv", "5")]
    [InlineData("image-dcgan-iter1.safetensors", "image-dcgan-iter1-samples.png", "4")]
    public void Version_1_checkpoints_give_the_samples_they_gave(string checkpoint, string samples, string n)
    {
        string target = Path.Combine(_dir, samples);
        var (code, output, err) = Run("sample", "--checkpoint", V1(checkpoint), "-n", n, "--out", target, "--threads", "1");
        Assert.True(code == 0, err + output);
        Assert.Equal(File.ReadAllBytes(V1(samples)), File.ReadAllBytes(target));
    }

    [Fact]
    public void A_checkpoint_of_an_unknown_format_is_refused_naming_it()
    {
        string path = Path.Combine(_dir, "future.safetensors");
        var (tensors, meta) = SafeTensors.Load(V1("toy-wgan-gp-iter2.safetensors"));
        meta["format"] = "gfs-checkpoint/9";
        SafeTensors.Write(path, [.. tensors.Select(t => (t.Key, t.Value))], meta);
        var (code, _, err) = Run("sample", "--checkpoint", path, "--out", Path.Combine(_dir, "s.csv"));
        Assert.Equal(2, code);
        Assert.Contains("gfs-checkpoint/9", err);
        Assert.Contains(Checkpoint.Format, err);
        Assert.False(File.Exists(Path.Combine(_dir, "s.csv")));
    }
}
