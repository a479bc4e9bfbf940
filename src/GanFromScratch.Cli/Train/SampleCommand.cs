using System.CommandLine;
using System.Globalization;
using System.Text;
using GanFromScratch.Engine;
using GanFromScratch.Gan;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs sample</c>: draws points from a trained generator.</summary>
internal static class SampleCommand
{
    public static Command Create(TextWriter stdout)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint written by 'gfs train'.", Required = true };
        var count = new Option<int>("-n") { Description = "How many samples.", DefaultValueFactory = _ => 1000 };
        GfsApp.AtLeast(count, 1);
        var output = new Option<string>("--out") { Description = "File to write: CSV (columns x,y) for toy data, a PNG grid for images.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator's noise.", DefaultValueFactory = _ => 1UL };
        var device = DeviceChoice.Option();
        var command = new Command("sample",
            "Draw samples from a trained generator: toy data as CSV (one x,y point per line), images as a PNG grid (8 per row).\n\n" +
            "Examples:\n  gfs sample --checkpoint runs/wgan-gp-8gaussians/checkpoint.safetensors -n 1000 --out samples.csv\n" +
            "  gfs sample --checkpoint runs/wgan-gp-fashion-mnist/checkpoint.safetensors -n 64 --out grid.png")
        {
            checkpoint, count, output, seed, device,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            string path = parse.GetValue(checkpoint)!;
            if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
            // A file that is not a checkpoint is refused by gfs's handler of InvalidDataException (exit 2).
            if (ImageTrainer.IsImageCheckpoint(path)) return SampleImages(path, n, parse.GetValue(seed), parse.GetValue(output)!, stdout);
            var trainer = ToyTrainer.Load(path);
            var points = trainer.Generate(n, new RandomStream(parse.GetValue(seed)));
            var csv = new StringBuilder("x,y\n");
            for (int i = 0; i < n; i++)
                csv.Append(points[2 * i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                   .Append(points[2 * i + 1].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            string target = parse.GetValue(output)!;
            string temp = target + ".tmp";
            File.WriteAllText(temp, csv.ToString());
            File.Move(temp, target, overwrite: true);
            stdout.WriteLine($"Wrote {n} samples of the generator at iteration {trainer.Iteration} to {target}.");
            return GfsApp.Ok;
        });
        return command;
    }

    private static int SampleImages(string path, int n, ulong seed, string target, TextWriter stdout)
    {
        if (!target.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--out {target}: image samples are written as a PNG grid; give a name ending in .png.");
        var trainer = ImageCommands.LoadTrainer(path);
        float[] pixels;
        using (TensorScope.Begin()) pixels = trainer.Generate(n, new RandomStream(seed)).ToArray();
        GanFromScratch.Gan.Artifacts.ImageGrid.Save(target, pixels, n, trainer.Data.Height, trainer.Data.Width);
        stdout.WriteLine($"Wrote a grid of {n} samples of the generator at iteration {trainer.Iteration} to {target}.");
        return GfsApp.Ok;
    }
}
