using System.CommandLine;
using System.Diagnostics;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs eval</c>, and loading an image run's generator for it and for <c>gfs sample</c>.</summary>
internal static class ImageCommands
{
    /// <summary>An image-training checkpoint with its training images (needed for their size); refusals name the file.</summary>
    public static ImageTrainer LoadTrainer(string path)
    {
        try
        {
            var config = ImageTrainer.ReadConfig(path);
            return ImageTrainer.Load(path, ImageDatasets.Load(config.Dataset, config.DataDir, train: true), null);
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static Command Eval(TextWriter stdout)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "An image-training checkpoint written by 'gfs train'.", Required = true };
        var classifier = new Option<string?>("--classifier") { Description = $"The classifier whose features define fd (default {ClassifierCommand.DefaultPath("<dataset>")})." };
        var count = new Option<int>("-n") { Description = "Generated images (and test images) to compare.", DefaultValueFactory = _ => 10000 };
        GfsApp.AtLeast(count, 2);
        var device = DeviceChoice.Option();
        var command = new Command("eval",
            "Measure an image generator: the Fréchet distance (fd) between the classifier features of generated and test images, " +
            "FD = ‖μr − μg‖² + Tr(Σr + Σg − 2(ΣrΣg)^½), and the classifier score exp(E KL(p(y|x) ‖ p(y))) (the Inception score's analogue, " +
            "1 to 10). For scale it also prints the fd of as many training images against the test images: what a perfect generator would get.\n\n" +
            "Examples:\n  gfs eval --checkpoint runs/wgan-gp-fashion-mnist/checkpoint.safetensors\n" +
            "  gfs eval --checkpoint run/checkpoint.safetensors --classifier my/classifier.safetensors -n 2000")
        {
            checkpoint, classifier, count, device,
        };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(checkpoint)!;
            if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
            var trainer = LoadTrainer(path);
            var config = trainer.Config;
            string classifierPath = parse.GetValue(classifier) ?? ClassifierCommand.DefaultPath(config.Dataset);
            FeatureClassifier model;
            ImageDataset test;
            try
            {
                (model, _, _) = FeatureClassifier.Load(classifierPath);
                test = ImageDatasets.Load(config.Dataset, config.DataDir, train: false);
            }
            catch (FileNotFoundException e)
            {
                throw new UsageException(e.Message);
            }
            int n = Math.Min(parse.GetValue(count), test.Count);
            var clock = Stopwatch.StartNew();
            var quality = new ImageQuality(model, test, n);
            var noise = new GanFromScratch.Engine.RandomStream(1);
            var (fd, score) = quality.Measure((_, k) => trainer.Generate(k, noise));
            var (floor, realScore) = quality.Measure((start, k) => trainer.Data.Batch(start, k));
            stdout.WriteLine($"{config.Variant} on {config.Dataset}, iteration {trainer.Iteration}, {n:N0} samples:");
            stdout.WriteLine($"  fd     {fd,10:F3}   (training images against test images: {floor:F3})");
            stdout.WriteLine($"  score  {score,10:F3}   (training images: {realScore:F3}; at most {FeatureClassifier.ClassCount})");
            stdout.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s)");
            return GfsApp.Ok;
        });
        return command;
    }
}
