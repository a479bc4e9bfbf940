using System.CommandLine;
using System.Globalization;
using System.Text;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs sample</c>: draws samples from a trained generator.</summary>
internal static class SampleCommand
{
    public static Command Create(TextWriter stdout)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint written by 'gfs train'.", Required = true };
        var count = CommonOptions.AtLeast(new Option<int>("-n") { Description = "How many samples.", DefaultValueFactory = _ => 1000 }, 1);
        var output = new Option<string>("--out") { Description = "File to write: CSV (columns x,y) for toy data, a PNG grid for images.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator's noise.", DefaultValueFactory = _ => 1UL };
        var device = DeviceChoice.Option();
        var threads = CommonOptions.Threads();
        var command = new Command("sample",
            "Draw samples from a trained generator: toy data as CSV (one x,y point per line), images as a PNG grid (8 per row). " +
            "The training data need not be installed.\n\n" +
            "Examples:\n  gfs sample --checkpoint runs/wgan-gp-8gaussians/checkpoint.safetensors -n 1000 --out samples.csv\n" +
            "  gfs sample --checkpoint runs/wgan-gp-fashion-mnist/checkpoint.safetensors -n 64 --out grid.png")
        {
            checkpoint, count, output, seed, device, threads,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            string path = CommonOptions.NonEmptyPath(parse.GetValue(checkpoint), "--checkpoint");
            string target = CommonOptions.NonEmptyPath(parse.GetValue(output), "--out");
            if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
            if (Path.GetFullPath(target) == Path.GetFullPath(path))
                throw new UsageException($"--out {target} is the checkpoint itself: writing samples there would destroy it. Give another file.");
            if (Directory.Exists(target)) throw new UsageException($"--out {target} is a folder; give a file name.");
            CommonOptions.ApplyThreads(parse, threads, stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
            var trainer = Load(path);
            string extension = Path.GetExtension(target).ToLowerInvariant();
            string[] allowed = trainer.Config.Kind == DataKind.Toy ? [".csv"] : [".png"];
            if (!allowed.Contains(extension))
                throw new UsageException($"--out {target}: samples of {Datasets.Describe(trainer.Config.Kind)} are written as " +
                                         $"{string.Join(" or ", allowed)}; give a name ending in {string.Join(" or ", allowed)}.");
            var noise = new RandomStream(parse.GetValue(seed));
            float[] samples;
            using (TensorScope.Begin()) samples = trainer.Generate(n, noise).ToArray();
            if (trainer.Config.Kind == DataKind.Toy)
            {
                var csv = new StringBuilder("x,y\n");
                for (int i = 0; i < n; i++)
                    csv.Append(samples[2 * i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                       .Append(samples[2 * i + 1].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                AtomicFile.WriteAllText(target, csv.ToString());
                stdout.WriteLine($"Wrote {n} samples of the generator at iteration {trainer.Iteration} to {target}.");
            }
            else
            {
                var shape = trainer.Data.Shape.Sample;
                Gan.Artifacts.ImageGrid.Save(target, samples, n, shape[1], shape[2]);
                stdout.WriteLine($"Wrote a grid of {n} samples of the generator at iteration {trainer.Iteration} to {target}.");
            }
            return GfsApp.Ok;
        });
        return command;
    }

    /// <summary>A training checkpoint's players, to sample or measure; a file that is not one is refused naming it (exit 2).</summary>
    public static Trainer Load(string path)
    {
        var config = Checkpoint.ReadConfig(path);
        return Checkpoint.Load(path, config, RunData.ForSampling(config));
    }
}
