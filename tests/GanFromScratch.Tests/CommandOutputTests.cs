using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;

namespace GanFromScratch.Tests;

/// <summary>What sample, eval, report and runs refuse, write and read: bad classes, stale files, other people's files, odd arrays.</summary>
public sealed class CommandOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-out-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Train(string variant, params string[] extra)
    {
        string run = Path.Combine(_dir, variant);
        var (code, _, err) = Gfs.Run(["train", variant, "--iters", "1", "--dim", "4", "--batch-size", "8", "--threads", "1", "--out", run, .. extra]);
        Assert.True(code == 0, err);
        return Path.Combine(run, TrainingRun.CheckpointFile);
    }

    /// <summary>A folder of 12 MNIST-format images to train on for an iteration.</summary>
    private string TinyImages()
    {
        string images = Path.Combine(_dir, "tiny");
        ImageDataTests.WriteTinyMnist(images, 12);
        return images;
    }

    [Fact]
    public void A_negative_class_is_refused_like_one_too_large()
    {
        string checkpoint = Train("cgan", "--dataset", "8gaussians");
        string csv = Path.Combine(_dir, "points.csv");
        foreach (var bad in new[] { "--class=-1", "--class=8" })
        {
            var (code, _, err) = Gfs.Run("sample", "--checkpoint", checkpoint, bad, "-n", "3", "--out", csv);
            Assert.Equal(2, code);
            Assert.Contains("has classes 0 to 7", err);
            Assert.False(File.Exists(csv));
        }
    }

    [Fact]
    public void Unconditional_samples_leave_no_labels_of_an_earlier_conditional_draw_beside_them()
    {
        string images = TinyImages();
        string conditional = Train("cgan", "--dataset", "mnist", "--data", images);
        string plain = Train("wgan-gp", "--dataset", "mnist", "--data", images);
        string npy = Path.Combine(_dir, "samples.npy"), labels = Path.Combine(_dir, "samples.labels.npy");
        Assert.Equal(0, Gfs.Run("sample", "--checkpoint", conditional, "--class", "3", "-n", "4", "--out", npy).Code);
        Assert.True(File.Exists(labels));
        Assert.Equal(0, Gfs.Run("sample", "--checkpoint", plain, "-n", "4", "--out", npy).Code);
        Assert.False(File.Exists(labels)); // gfs eval --samples would have read them as these images' classes
    }

    [Fact]
    public void Report_and_the_curves_plot_write_only_files_of_their_kind()
    {
        string checkpoint = Train("wgan-gp", "--dataset", "8gaussians");
        var before = File.ReadAllBytes(checkpoint);
        var (code, _, err) = Gfs.Run("report", Path.GetDirectoryName(checkpoint)!, "--out", checkpoint);
        Assert.Equal(2, code);
        Assert.Contains(".html", err);
        (code, _, err) = Gfs.Run("eval", "--checkpoint", checkpoint, "--truncation-curve", "--plot", checkpoint);
        Assert.Equal(2, code);
        Assert.Contains(".png", err);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void Eval_refuses_arrays_that_are_not_images_in_0_to_1_or_bytes()
    {
        string ints = Path.Combine(_dir, "ints.npy"), big = Path.Combine(_dir, "big.npy");
        Npy.Write(ints, Enumerable.Range(0, 2 * 28 * 28).Select(i => (long)(i % 256)).ToArray(), [2, 28, 28]);
        Npy.Write(big, Enumerable.Range(0, 2 * 28 * 28).Select(i => (float)(i % 256)).ToArray(), [2, 28, 28]);
        var (code, _, err) = Gfs.Run("eval", "--samples", ints, "-n", "2");
        Assert.Equal(2, code);
        Assert.Contains("<i8 values", err);
        (code, _, err) = Gfs.Run("eval", "--samples", big, "-n", "2");
        Assert.Equal(2, code);
        Assert.Contains("in [0, 1]", err);
    }

    [Fact]
    public void Runs_lists_a_folder_whose_metrics_hold_a_null_line_as_unreadable()
    {
        string checkpoint = Train("wgan-gp", "--dataset", "8gaussians");
        File.AppendAllText(Path.Combine(Path.GetDirectoryName(checkpoint)!, TrainingRun.MetricsFile), "null\n");
        var (code, output, err) = Gfs.Run("runs", _dir);
        Assert.True(code == 0, err);
        Assert.Contains("unreadable", output);
    }

    [Fact]
    public void A_traversal_refuses_the_options_it_would_ignore()
    {
        string images = TinyImages();
        string checkpoint = Train("infogan", "--dataset", "mnist", "--data", images);
        string png = Path.Combine(_dir, "traverse.png");
        var (code, _, err) = Gfs.Run("sample", "--checkpoint", checkpoint, "--code", "1", "--seed", "3", "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("--seed would change nothing", err);
        Assert.False(File.Exists(png));
        (code, _, err) = Gfs.Run("sample", "--checkpoint", checkpoint, "--code", "1", "--out", png);
        Assert.True(code == 0, err);
    }
}
