using System.CommandLine;
using System.Diagnostics;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Cli.Train;

/// <summary>
/// <c>gfs train classifier</c>: trains the small CNN whose features define the Fréchet
/// distance of image GANs, reports its test accuracy, and saves it where the GAN commands look.
/// </summary>
internal static class ClassifierCommand
{
    public static string DefaultPath(string dataset) => Path.Combine("runs", $"classifier-{dataset}", "classifier.safetensors");

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var dataset = new Option<string>("--dataset") { Description = $"Images: {string.Join(", ", ImageDatasets.Names)}.", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = $"A folder of MNIST-format IDX files instead of {FashionMnist.DefaultFolder}." };
        var epochs = CommonOptions.AtLeast(new Option<int>("--epochs") { Description = "Passes over the 60,000 training images (the learning rate halves after each).", DefaultValueFactory = _ => 4 }, 1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initial weights and the batch order.", DefaultValueFactory = _ => 1UL };
        var output = new Option<string?>("--out") { Description = $"Where to save it (default {DefaultPath("<dataset>")}, where 'gfs train' and 'gfs eval' look)." };
        var device = DeviceChoice.Option();
        var threads = CommonOptions.Threads();
        var command = new Command("classifier",
            "Train the small CNN (two 3×3 conv layers, 128 features, 10 classes) whose penultimate features define the Fréchet distance (fd) " +
            "and the classifier score of image GANs: FID's recipe with a network trained here instead of Inception, so nothing is downloaded. " +
            "Prints the test accuracy (about 90% after 4 epochs on Fashion-MNIST).\n\n" +
            "Examples:\n  gfs train classifier --dataset fashion-mnist\n  gfs train classifier --dataset mnist --data ~/mnist --epochs 2")
        {
            dataset, data, epochs, seed, output, device, threads,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(dataset)!;
            if (!ImageDatasets.Names.Contains(name))
                throw new UsageException($"Unknown image dataset '{name}'. Valid: {string.Join(", ", ImageDatasets.Names)}.");
            CommonOptions.ApplyThreads(parse, threads, stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, stdout);
            var (train, test) = RunData.Usage(() =>
                (ImageDatasets.Load(name, parse.GetValue(data), train: true), ImageDatasets.Load(name, parse.GetValue(data), train: false)));
            string path = parse.GetValue(output) ?? DefaultPath(name);
            var model = new FeatureClassifier(new RandomStream(parse.GetValue(seed)));
            var clock = Stopwatch.StartNew();
            int epochCount = parse.GetValue(epochs);
            stdout.WriteLine($"Training the classifier on {train.Count:N0} {name} images for {epochCount} epoch(s) → {path}");
            model.Fit(train, epochCount, parse.GetValue(seed), (step, total, loss) =>
            {
                if (step % 500 == 0 || step == total)
                    stdout.WriteLine($"  batch {step}/{total}  loss {loss:F4}  ({clock.Elapsed.TotalSeconds:F0} s)");
            });
            double accuracy = model.Accuracy(test);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            model.Save(path, name, accuracy);
            stdout.WriteLine($"Test accuracy {accuracy:P2} on {test.Count:N0} images ({clock.Elapsed.TotalSeconds:F0} s). Saved {path}.");
            return GfsApp.Ok;
        });
        return command;
    }
}
