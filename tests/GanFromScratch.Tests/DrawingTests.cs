using GanFromScratch.Gan.Artifacts;

namespace GanFromScratch.Tests;

/// <summary>
/// The pictures survive garbage collections during their drawing. ScottPlot's '+' markers and its
/// heatmap's bitmap strategy draw through Skia objects they leave to the finalizer; a collection on
/// another thread mid-draw freed them under Skia and the process died (segfaults in
/// <c>SkPath::isFinite</c> and <c>drawImageRect</c>; a test run was lost that way). With them in the
/// toy frames, this test killed its process in 2 of 5 tries of 8 seconds; it fails by crashing.
/// </summary>
public sealed class DrawingTests
{
    [Fact]
    public void Toy_frames_and_plots_survive_collections_during_drawing()
    {
        var dir = Directory.CreateTempSubdirectory("gfs-drawing-").FullName;
        try
        {
            var map = new float[64, 64];
            for (int i = 0; i < 64; i++)
                for (int j = 0; j < 64; j++) map[i, j] = MathF.Sin(0.3f * i) * MathF.Cos(0.2f * j);
            var rnd = new Random(1);
            var points = Enumerable.Range(0, 400).Select(_ => (float)(4 * rnd.NextDouble() - 2)).ToArray();
            var labels = Enumerable.Range(0, 200).Select(i => i % 8).ToArray();
            var end = DateTime.UtcNow.AddSeconds(8);
            object? sink = null;
            var pressure = new Thread(() =>
            {
                while (DateTime.UtcNow < end)
                {
                    for (int i = 0; i < 1000; i++) sink = new byte[20_000];
                    Thread.Sleep(1);
                }
            });
            pressure.Start();
            int drawn = 0;
            while (DateTime.UtcNow < end)
            {
                ToyFrame.Save(Path.Combine(dir, "frame.png"), map, 2f, points, points, drawn % 2 == 0 ? null : labels, "frame");
                MetricsPlot.Save(Path.Combine(dir, "metrics.png"), [("w1", [1, 2, 3], [0.5, 0.4, 0.3]), ("modes", [1, 2, 3], [2, 5, 8])], "run");
                drawn++;
            }
            pressure.Join();
            GC.KeepAlive(sink);
            Assert.True(drawn > 0);
            Assert.True(new FileInfo(Path.Combine(dir, "frame.png")).Length > 1000);
            Assert.True(new FileInfo(Path.Combine(dir, "metrics.png")).Length > 1000);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
