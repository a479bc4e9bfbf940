using System.CommandLine;
using System.Diagnostics;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs eval</c>: the Fréchet distance and classifier score of an image generator.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "An image-training checkpoint written by 'gfs train'.", Required = true };
        var classifier = new Option<string?>("--classifier") { Description = $"The classifier whose features define fd (default {ClassifierCommand.DefaultPath("<dataset>")})." };
        var count = CommonOptions.AtLeast(new Option<int>("-n") { Description = "Generated images (and test images) to compare.", DefaultValueFactory = _ => 10000 }, 2);
        var device = DeviceChoice.Option();
        var threads = CommonOptions.Threads();
        var command = new Command("eval",
            "Measure an image generator: the Fréchet distance (fd) between the classifier features of generated and test images, " +
            "FD = ‖μr − μg‖² + Tr(Σr + Σg − 2(ΣrΣg)^½), and the classifier score exp(E KL(p(y|x) ‖ p(y))) (the Inception score's analogue, " +
            "1 to 10). For scale it also prints the fd of as many training images against the test images: what a perfect generator would get.\n\n" +
            "Examples:\n  gfs eval --checkpoint runs/wgan-gp-fashion-mnist/checkpoint.safetensors\n" +
            "  gfs eval --checkpoint run/checkpoint.safetensors --classifier my/classifier.safetensors -n 2000")
        {
            checkpoint, classifier, count, device, threads,
        };
        command.SetAction(parse =>
        {
            string path = CommonOptions.NonEmptyPath(parse.GetValue(checkpoint), "--checkpoint");
            if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
            CommonOptions.ApplyThreads(parse, threads, stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
            var config = Checkpoint.ReadConfig(path);
            if (config.Kind != DataKind.Images)
                throw new UsageException($"{path} is a run on {config.Dataset} (toy data): gfs eval measures image generators. " +
                                         "Toy runs are measured during training (w1, modes, hq in metrics.jsonl).");
            string classifierPath = parse.GetValue(classifier) ?? ClassifierCommand.DefaultPath(config.Dataset);
            var (model, train, test) = RunData.Usage(() => (FeatureClassifier.Load(classifierPath, config.Dataset).Model,
                ImageDatasets.Load(config.Dataset, config.DataDir, train: true), ImageDatasets.Load(config.Dataset, config.DataDir, train: false)));
            var trainer = Checkpoint.Load(path, config, new ImageData(config, train));
            int n = Math.Min(parse.GetValue(count), test.Count);
            var clock = Stopwatch.StartNew();
            var quality = new ImageQuality(model, test, n);
            var noise = new RandomStream(1);
            var (fd, score) = quality.Measure((_, k) => trainer.Generate(k, noise));
            var (floor, realScore) = quality.Measure((start, k) => train.Batch(start, k));
            stdout.WriteLine($"{config.Variant} on {config.Dataset}, iteration {trainer.Iteration}, {n:N0} samples:");
            stdout.WriteLine($"  fd     {fd,10:F3}   (training images against test images: {floor:F3})");
            stdout.WriteLine($"  score  {score,10:F3}   (training images: {realScore:F3}; at most {FeatureClassifier.ClassCount})");
            stdout.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s)");
            return GfsApp.Ok;
        });
        return command;
    }
}
