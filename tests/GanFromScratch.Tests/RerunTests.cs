using System.Text.Json.Nodes;

namespace GanFromScratch.Tests;

/// <summary><c>gfs train --config RUN/config.json</c>: a rerun of a run's settings, its overrides, and its refusals.</summary>
public sealed class RerunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-rerun-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Original => Path.Combine(_dir, "original");

    private string TrainOriginal()
    {
        var (code, _, err) = Gfs.Run("train", "gan", "--iters", "20", "--eval-every", "10", "--dim", "16", "--batch-size", "32", "--seed", "7",
            "--threads", "1", "--out", Original);
        Assert.True(code == 0, err);
        return Path.Combine(Original, "config.json");
    }

    /// <summary>The metrics of a run without their wall-clock times, line by line.</summary>
    private static List<string> Numbers(string runFolder) => File.ReadAllLines(Path.Combine(runFolder, "metrics.jsonl")).Select(line =>
    {
        var m = JsonNode.Parse(line)!.AsObject();
        m.Remove("time_s");
        return m.ToJsonString();
    }).ToList();

    [Fact]
    public void A_rerun_from_config_gives_the_same_metrics_as_the_original()
    {
        string config = TrainOriginal();
        // No variant named: the file says gan; no --out: the original's folder with -rerun.
        var (code, output, err) = Gfs.Run("train", "--config", config, "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("(nothing overridden)", output);
        string rerun = Original + "-rerun";
        Assert.Equal(2, Numbers(Original).Count);
        Assert.Equal(Numbers(Original), Numbers(rerun));
        Assert.Equal(File.ReadAllText(config), File.ReadAllText(Path.Combine(rerun, "config.json")));
    }

    [Fact]
    public void Options_beside_config_override_it_and_are_named()
    {
        string config = TrainOriginal();
        string longer = Path.Combine(_dir, "longer");
        var (code, output, err) = Gfs.Run("train", "gan", "--config", config, "--iters", "30", "--threads", "1", "--out", longer);
        Assert.True(code == 0, err);
        Assert.Contains("overriding iters 20 → 30.", output);
        Assert.Equal(30, JsonNode.Parse(File.ReadAllText(Path.Combine(longer, "config.json")))!["iters"]!.GetValue<int>());
        // The planned length changes no number of the iterations both runs trained.
        Assert.Equal(Numbers(Original), Numbers(longer)[..2]);

        string otherSeed = Path.Combine(_dir, "seed8");
        (code, output, err) = Gfs.Run("train", "--config", config, "--seed", "8", "--g-loss", "saturating", "--threads", "1", "--out", otherSeed);
        Assert.True(code == 0, err);
        Assert.Contains("seed 7 → 8", output);
        Assert.Contains("options.g_loss \"non-saturating\" → \"saturating\"", output);
        Assert.NotEqual(Numbers(Original), Numbers(otherSeed));
    }

    [Fact]
    public void An_early_config_with_its_variants_settings_at_the_top_keeps_them()
    {
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--iters", "2", "--eval-every", "2", "--dim", "8", "--batch-size", "16", "--threads", "1", "--out", Original);
        Assert.True(code == 0, err);
        // As configurations were written before a variant owned its options: λ at the top level, no "options".
        var early = JsonNode.Parse(File.ReadAllText(Path.Combine(Original, "config.json")))!.AsObject();
        early.Remove("options");
        early["lambda"] = 0.5;
        string file = Path.Combine(_dir, "early.json");
        File.WriteAllText(file, early.ToJsonString());
        string rerun = Path.Combine(_dir, "early-rerun");
        (code, string output, err) = Gfs.Run("train", "--config", file, "--threads", "1", "--out", rerun);
        Assert.True(code == 0, err);
        Assert.Contains("lambda 0.5", output);
        Assert.Equal(0.5, JsonNode.Parse(File.ReadAllText(Path.Combine(rerun, "config.json")))!["options"]!["lambda"]!.GetValue<double>(), 6);
    }

    [Theory]
    [InlineData("{", "is not a gfs run configuration")]
    [InlineData("[1, 2]", "is not a gfs run configuration")]
    [InlineData("{\"iters\": 100}", "names no variant")]
    [InlineData("{\"variant\": \"stylegan\", \"dataset\": \"8gaussians\"}", "Unknown variant 'stylegan'")]
    [InlineData("{\"variant\": \"gan\", \"dataset\": \"cifar\"}", "Unknown dataset 'cifar'")]
    [InlineData("{\"variant\": \"gan\", \"iters\": \"many\"}", "'iters' must be a whole number from")]
    [InlineData("{\"variant\": \"gan\",\n \"lr\": null}", "'lr' must be a number (line 2)")]
    [InlineData("{\"variant\": \"gan\", \"dimm\": 8}", "'dimm' is not a setting gfs saves (did you mean 'dim'?)")]
    [InlineData("{\"variant\": \"gan\", \"learning_rate\": 0.1}", "'learning_rate' is not a setting gfs saves, so it would be ignored")]
    public void A_config_that_is_not_a_run_configuration_is_refused_in_one_line(string json, string expected)
    {
        string file = Path.Combine(_dir, "config.json");
        File.WriteAllText(file, json);
        string outDir = Path.Combine(_dir, "out");
        foreach (string[] args in (string[][])[["train", "--config", file, "--out", outDir], ["train", "gan", "--config", file, "--out", outDir]])
        {
            var (code, output, err) = Gfs.Run(args);
            Assert.Equal(2, code);
            Assert.Contains(expected, err);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.DoesNotContain("System.", err);
            Assert.Equal("", output);
            Assert.False(Directory.Exists(outDir));
        }
    }

    [Fact]
    public void A_missing_config_another_variants_config_and_config_with_resume_are_refused()
    {
        string outDir = Path.Combine(_dir, "out");
        var (code, _, err) = Gfs.Run("train", "--config", Path.Combine(_dir, "none.json"), "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("There is no config file at", err);

        string config = TrainOriginal();
        (code, _, err) = Gfs.Run("train", "wgan", "--config", config, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("holds a gan run, not wgan", err);

        (code, _, err) = Gfs.Run("train", "gan", "--config", config, "--resume", "--out", Original);
        Assert.Equal(2, code);
        Assert.Contains("give one of them", err);

        (code, _, err) = Gfs.Run("train", "gan", "--config", config, "--dataset", "fashion-mnist", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("its saved sizes do not carry over", err);
        Assert.False(Directory.Exists(outDir));
    }
}
