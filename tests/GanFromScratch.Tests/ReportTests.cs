using System.Diagnostics;
using SkiaSharp;

namespace GanFromScratch.Tests;

/// <summary><c>gfs report</c>: a self-contained page, opened, played and photographed by headless Chromium; and its refusals.</summary>
public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Page => Path.Combine(_dir, "report.html");

    private void MakeReport()
    {
        string run = Path.Combine(_dir, "run");
        var (code, _, err) = Gfs.Run("train", "wgan-gp", "--iters", "6", "--eval-every", "2", "--dim", "16", "--batch-size", "32", "--threads", "1", "--out", run);
        Assert.True(code == 0, err);
        (code, var output, err) = Gfs.Run("report", run, "--out", Page);
        Assert.True(code == 0, err);
        Assert.Contains("Wrote", output);
    }

    [Fact]
    public void The_page_holds_everything_it_shows()
    {
        MakeReport();
        string html = File.ReadAllText(Page);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("<script src", html);
        Assert.Equal(3 + 1, html.Split("src=\"data:image/png;base64,").Length - 1); // three frames and the final picture
        Assert.Contains("data-metric=\"w1\"", html);
        Assert.Contains("w1: Wasserstein-1 to the data (lower is better)", html);
        Assert.Contains("<th>lr</th>", html);
        // The floor is a dashed level in w1's chart, not a chart of its own.
        Assert.DoesNotContain("data-metric=\"w1_floor\"", html);
        string w1Chart = html[html.IndexOf("data-metric=\"w1\"", StringComparison.Ordinal)..];
        w1Chart = w1Chart[..w1Chart.IndexOf("</svg>", StringComparison.Ordinal)];
        Assert.Contains("class=\"floor\"", w1Chart);
        Assert.Contains("w1_floor", w1Chart);
    }

    internal static string? Chromium() => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    private static string Browse(string chromium, params string[] args)
    {
        var info = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", .. args]) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "chromium did not finish in 2 minutes");
        return stdout.Result;
    }

    /// <summary>The player in the page Chromium rendered is past its first frame.</summary>
    private static void AssertThePlayerMovedOn(string dom)
    {
        var current = System.Text.RegularExpressions.Regex.Match(dom, "class=\"player\"[^>]*data-current=\"([0-9]+)\"");
        Assert.True(current.Success, "no player in the page chromium rendered");
        Assert.NotEqual("0", current.Groups[1].Value);
    }

    /// <summary>A screenshot of the page, 1200 pixels wide and <paramref name="height"/> high.</summary>
    private SKBitmap Screenshot(string chromium, int height)
    {
        string shot = Path.Combine(_dir, "shot.png");
        Browse(chromium, $"--window-size=1200,{height}", $"--screenshot={shot}", new Uri(Page).AbsoluteUri);
        var bitmap = SKBitmap.Decode(shot);
        Assert.NotNull(bitmap);
        return bitmap;
    }

    [ChromiumFact]
    public void Chromium_opens_the_page_plays_the_frames_and_shows_chart_and_frame()
    {
        string chromium = Chromium()!;
        MakeReport();
        // After three seconds of page time the player has moved on from the first frame.
        string dom = Browse(chromium, "--virtual-time-budget=3000", "--dump-dom", new Uri(Page).AbsoluteUri);
        AssertThePlayerMovedOn(dom);

        using var bitmap = Screenshot(chromium, 6000);
        int chartLine = 0, frameGrey = 0, shadedRows = 0;
        for (int y = 0; y < bitmap.Height; y++)
        {
            int inRow = 0;
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - 0x1f) < 12 && Math.Abs(c.Green - 0x77) < 12 && Math.Abs(c.Blue - 0xb4) < 12) chartLine++; // the run's line colour
                if (c.Red == c.Green && c.Green == c.Blue && c.Red is > 60 and < 200) inRow++;                                 // the frame's shading
            }
            frameGrey += inRow;
            if (inRow > 200) shadedRows++;
        }
        Assert.True(chartLine > 200, $"{chartLine} pixels of the charts' line colour");
        Assert.True(frameGrey > 20_000, $"{frameGrey} grey pixels of a frame");
        // The player shows one frame at a time: ~660 shaded rows, where its three frames stacked would give ~1,330.
        Assert.True(shadedRows < 1000, $"{shadedRows} rows of frame shading: the player shows more than one frame");
    }

    [ChromiumFact]
    public void Chromium_plays_an_image_run_with_its_class_rows_named()
    {
        string chromium = Chromium()!;
        ImageDataTests.WriteTinyMnist(_dir, 24);
        string run = Path.Combine(_dir, "cgan");
        var (code, _, err) = Gfs.Run("train", "cgan", "--dataset", "mnist", "--data", _dir, "--dim", "2", "--batch-size", "4", "--iters", "4",
            "--eval-every", "2", "--sample-every", "1", "--threads", "1", "--out", run);
        Assert.True(code == 0, err);
        (code, _, err) = Gfs.Run("report", run, "--out", Page);
        Assert.True(code == 0, err);

        string dom = Browse(chromium, "--virtual-time-budget=3000", "--dump-dom", new Uri(Page).AbsoluteUri);
        Assert.Contains("one class per row: row k asked for class k", dom);
        AssertThePlayerMovedOn(dom);

        // The frame and the final grid are 28×28 digits on a dark ground: the screenshot holds many pixels of their greys.
        using var bitmap = Screenshot(chromium, 3000);
        int dark = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red == c.Green && c.Green == c.Blue && c.Red < 200) dark++;
            }
        Assert.True(dark > 300_000, $"{dark} grey pixels of sample grids"); // the page's text and charts alone give ~30,000
    }

    [Fact]
    public void A_folder_that_is_not_a_run_is_refused_in_one_line()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "notarun"));
        foreach (var (folder, expected) in new[] { (Path.Combine(_dir, "notarun"), "is not a run folder"), (Path.Combine(_dir, "missing"), "There is no run folder") })
        {
            var (code, output, err) = Gfs.Run("report", folder, "--out", Page);
            Assert.Equal(2, code);
            Assert.Contains(expected, err);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.Equal("", output);
            Assert.False(File.Exists(Page));
        }
    }
}

/// <summary>A test that needs headless Chromium: skipped, saying why, where it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (ReportTests.Chromium() is null) Skip = "needs chromium (apt-get install chromium; .ci/run installs it): the report page is not opened in a browser";
    }
}
