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
        var output = new Option<string>("--out") { Description = "CSV file to write (columns x,y).", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator's noise.", DefaultValueFactory = _ => 1UL };
        var device = DeviceChoice.Option();
        var command = new Command("sample",
            "Draw samples from a trained generator and write them as CSV (toy data: one x,y point per line).\n\n" +
            "Examples:\n  gfs sample --checkpoint runs/wgan-gp-8gaussians/checkpoint.safetensors -n 1000 --out samples.csv")
        {
            checkpoint, count, output, seed, device,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            string path = parse.GetValue(checkpoint)!;
            if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
            ToyTrainer trainer;
            try
            {
                trainer = ToyTrainer.Load(path);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message);
            }
            var points = trainer.Generate(n, new Generator(parse.GetValue(seed)));
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
}
