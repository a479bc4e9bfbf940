using System.Text.Json;

namespace GanFromScratch.Tests;

/// <summary>gfs train wgan-gp|gan --dataset text and gfs sample on a text run, from the command line, on a small corpus.</summary>
public sealed class TextCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-text-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Corpus
    {
        get
        {
            string path = Path.Combine(_dir, "lines.txt");
            if (!File.Exists(path))
            {
                string[] words = ["the cat sat", "on the mat", "a dog ran", "far away", "home again", "the end"];
                File.WriteAllLines(path, Enumerable.Range(0, 120).Select(i => $"{words[i % words.Length]} {i}"));
            }
            return path;
        }
    }

    private static readonly string[] Tiny = ["--dim", "4", "--batch-size", "8", "--threads", "1"];

    private (int Code, string Out, string Err) Train(string variant, string outDir, params string[] extra) =>
        Gfs.Run(["train", variant, "--dataset", "text", "--data", Corpus, "--out", outDir, .. Tiny, .. extra]);

    [Fact]
    public void A_text_run_measures_js_with_its_floor_writes_samples_and_resumes_as_if_never_stopped()
    {
        string whole = Path.Combine(_dir, "whole"), split = Path.Combine(_dir, "split");
        var (code, output, err) = Train("wgan-gp", whole, "--iters", "4", "--eval-every", "2", "--critic-iters", "2");
        Assert.True(code == 0, err);
        Assert.Contains("lines.txt: 120 lines (108 to train on, 12 held out)", output);
        Assert.Contains("the floor (js1…js4 of 108 training lines", output); // all there are, fewer than the 640 of a large corpus
        Assert.False(Directory.Exists(Path.Combine(whole, "frames"))); // text writes samples/, no pictures
        Assert.Contains("js4", output);
        var lines = File.ReadAllLines(Path.Combine(whole, "metrics.jsonl"));
        Assert.Equal(2, lines.Length);
        using (var first = JsonDocument.Parse(lines[0]))
        {
            for (int n = 1; n <= 4; n++)
            {
                Assert.InRange(first.RootElement.GetProperty($"js{n}").GetDouble(), 0, 1);
                Assert.InRange(first.RootElement.GetProperty($"js{n}_floor").GetDouble(), 0, 1);
            }
        }
        Assert.DoesNotContain("js1_floor", lines[1]);
        var samples = File.ReadAllLines(Path.Combine(whole, "samples", "iter_000004.txt"));
        Assert.Equal(64, samples.Length);
        Assert.All(samples, s => Assert.True(s.Length <= 32, s));
        var config = File.ReadAllText(Path.Combine(whole, "config.json"));
        Assert.Contains("\"vocabulary\"", config);

        // Stopped at 2 and resumed to 4: the same last evaluation as the run that went straight through.
        (code, _, err) = Train("wgan-gp", split, "--iters", "2", "--eval-every", "2", "--critic-iters", "2");
        Assert.True(code == 0, err);
        (code, output, err) = Gfs.Run("train", "wgan-gp", "--out", split, "--resume", "--iters", "4", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("Resuming", output);
        static string Measures(string line)
        {
            using var doc = JsonDocument.Parse(line);
            return string.Join(" ", doc.RootElement.EnumerateObject().Where(p => p.Name != "time_s").Select(p => $"{p.Name}={p.Value}"));
        }
        Assert.Equal(Measures(lines[1]), Measures(File.ReadAllLines(Path.Combine(split, "metrics.jsonl"))[1]));
        Assert.Equal(samples, File.ReadAllLines(Path.Combine(split, "samples", "iter_000004.txt")));

        // The report shows the samples beside the js charts.
        string page = Path.Combine(_dir, "report.html");
        (code, _, err) = Gfs.Run("report", whole, "--out", page);
        Assert.True(code == 0, err);
        string html = File.ReadAllText(page);
        Assert.Contains("<th>iter_000004</th>", html);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(string.Join("\n", samples.Take(5))), html);
        Assert.Contains("data-metric=\"js4\"", html);

        // gfs sample writes text lines, with no corpus needed: the vocabulary is in the checkpoint.
        File.Delete(Corpus);
        string txt = Path.Combine(_dir, "lines-out.txt");
        (code, output, err) = Gfs.Run("sample", "--checkpoint", Path.Combine(whole, "checkpoint.safetensors"), "-n", "7", "--out", txt);
        Assert.True(code == 0, err);
        Assert.Contains("7 lines of text", output);
        Assert.Equal(7, File.ReadAllLines(txt).Length);
        (code, _, err) = Gfs.Run("sample", "--checkpoint", Path.Combine(whole, "checkpoint.safetensors"), "-n", "7", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains(".txt", err);
    }

    [Fact]
    public void The_standard_gan_trains_on_text_with_the_same_networks()
    {
        var (code, output, err) = Train("gan", Path.Combine(_dir, "gan"), "--iters", "2", "--eval-every", "1");
        Assert.True(code == 0, err);
        Assert.Contains("1 critic step(s)", output);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir, "gan", "metrics.jsonl")).Length);
    }

    [Theory]
    [InlineData("lsgan", "--dataset text", "lsgan trains on")]
    [InlineData("wgan-gp", "--dataset 8gaussians --vocab 10", "--vocab is for text")]
    [InlineData("wgan-gp", "--dataset 8gaussians --data x.txt", "--data is for images")]
    [InlineData("wgan-gp", "--dataset text --arch dcgan", "--arch")]
    [InlineData("wgan-gp", "--dataset text --vocab 1", "--vocab")]
    [InlineData("wgan-gp", "--dataset text --data /nonexistent/lines.txt", "no such file")]
    public void Bad_text_settings_are_refused_with_exit_2_and_nothing_written(string variant, string args, string expected)
    {
        string outDir = Path.Combine(_dir, "refused");
        var (code, _, err) = Gfs.Run(["train", variant, "--out", outDir, "--iters", "1", .. args.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(e => !e.EndsWith("run.lock")));
    }

    [Theory]
    [InlineData("binary", "holds NUL bytes")]
    [InlineData("utf16", "holds NUL bytes")]
    [InlineData("empty", "holds 0 non-empty line(s)")]
    [InlineData("one line", "holds 1 non-empty line(s)")]
    public void A_file_that_is_not_lines_of_utf8_text_is_refused_with_exit_2_and_nothing_written(string kind, string expected)
    {
        string file = Path.Combine(_dir, "corpus.txt");
        switch (kind)
        {
            case "binary": File.WriteAllBytes(file, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 256))]); break;
            case "utf16": File.WriteAllText(file, "the cat sat\nthe dog ran\non the mat\n", System.Text.Encoding.Unicode); break;
            case "empty": File.WriteAllText(file, ""); break;
            default: File.WriteAllText(file, "only this\n\n   \n"); break;
        }
        string outDir = Path.Combine(_dir, "refused");
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--dataset", "text", "--data", file, "--out", outDir, "--iters", "1");
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(e => !e.EndsWith("run.lock")));
    }

    [Fact]
    public void Resuming_with_another_vocabulary_limit_is_refused()
    {
        string run = Path.Combine(_dir, "v");
        var (code, _, err) = Train("wgan-gp", run, "--iters", "1", "--critic-iters", "1");
        Assert.True(code == 0, err);
        (code, _, err) = Gfs.Run("train", "wgan-gp", "--out", run, "--resume", "--iters", "2", "--vocab", "5");
        Assert.Equal(2, code);
        Assert.Contains("--vocab", err);
    }
    [Fact]
    public void A_rerun_on_another_file_or_limit_makes_its_own_vocabulary()
    {
        string run = Path.Combine(_dir, "run");
        var (code, _, err) = Train("wgan-gp", run, "--iters", "1");
        Assert.True(code == 0, err);
        string other = Path.Combine(_dir, "other.txt");
        File.WriteAllLines(other, Enumerable.Range(0, 120).Select(i => $"XYZ {i % 7}{i % 3} QQ"));
        string rerun = Path.Combine(_dir, "rerun");
        (code, _, err) = Gfs.Run("train", "--config", Path.Combine(run, "config.json"), "--data", other, "--out", rerun, "--iters", "1");
        Assert.True(code == 0, err);
        var vocabulary = Vocabulary(rerun);
        Assert.Contains("Q", vocabulary);
        Assert.DoesNotContain("c", vocabulary); // "cat" was the first file's

        string limited = Path.Combine(_dir, "limited");
        (code, _, err) = Gfs.Run("train", "--config", Path.Combine(run, "config.json"), "--vocab", "5", "--out", limited, "--iters", "1");
        Assert.True(code == 0, err);
        Assert.Equal(5, Vocabulary(limited).Length);
    }

    private static string[] Vocabulary(string run) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement.GetProperty("vocabulary")
            .EnumerateArray().Select(e => e.GetString()!).ToArray();
}
