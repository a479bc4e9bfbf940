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
        var arch = new Option<string>("--arch")
        {
            Description = "cnn: the feature classifier of fd (saved where the GAN commands look); ssgan: the semi-supervised GAN's critic trained on " +
                          "its labelled images alone, the baseline of 'gfs train ssgan' (prints test_acc and test_acc_avg; --out writes them as JSON).",
            DefaultValueFactory = _ => "cnn",
        };
        arch.AcceptOnlyFromAmong("cnn", "ssgan");
        var labelsPerClass = CommonOptions.AtLeast(new Option<int?>("--labels-per-class")
            { Description = "--arch ssgan: labelled training images per class, the same balanced subset as 'gfs train ssgan' with this seed (default 100)." }, 1);
        var iters = CommonOptions.AtLeast(new Option<int?>("--iters") { Description = "--arch ssgan: training steps, one labelled batch each (default: ssgan's, 2000)." }, 1);
        var batchSize = CommonOptions.AtLeast(new Option<int?>("--batch-size") { Description = "--arch ssgan: images per batch (default: ssgan's, 100)." }, 1);
        var dim = CommonOptions.AtLeast(new Option<int?>("--dim") { Description = "--arch ssgan: the width DIM of the critic (default 64, the authors')." }, 1);
        var criticAverage = new Option<float?>("--critic-average")
            { Description = "--arch ssgan: the rate of the running average of the critic's weights that test_acc_avg tests, as in 'gfs train ssgan' (default 1e-4, the authors'; 0: none)." };
        var criticInit = new Option<string?>("--critic-init")
            { Description = "--arch ssgan: how the critic starts, as in 'gfs train ssgan': authors (default; their data-dependent initialisation) or norm." };
        criticInit.AcceptOnlyFromAmong(Ssgan.AuthorsInit, Ssgan.NormInit);
        var device = DeviceChoice.Option();
        var threads = CommonOptions.Threads();
        var command = new Command("classifier",
            "Train the small CNN (two 3×3 conv layers, 128 features, 10 classes) whose penultimate features define the Fréchet distance (fd) " +
            "and the classifier score of image GANs: FID's recipe with a network trained here instead of Inception, so nothing is downloaded. " +
            "Prints the test accuracy (about 90% after 4 epochs on Fashion-MNIST).\n\n" +
            "With --arch ssgan it trains instead the semi-supervised GAN's critic on that GAN's labelled images alone (the same subset, batches, " +
            "initial weights and optimizer as 'gfs train ssgan' with the same seed and settings): the supervised baseline its test_acc is " +
            "compared with, and test_acc_avg, the same for the running average of the critic's weights that ssgan keeps (rate 1e-4, the authors').\n\n" +
            "Examples:\n  gfs train classifier --dataset fashion-mnist\n  gfs train classifier --dataset mnist --data ~/mnist --epochs 2\n" +
            "  gfs train classifier --arch ssgan --labels-per-class 100 --seed 1 --out runs/baseline-100.json")
        {
            dataset, data, epochs, seed, output, arch, labelsPerClass, iters, batchSize, dim, criticAverage, criticInit, device, threads,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(dataset)!;
            if (!ImageDatasets.Names.Contains(name))
                throw new UsageException($"Unknown image dataset '{name}'. Valid: {string.Join(", ", ImageDatasets.Names)}.");
            bool baseline = parse.GetValue(arch) == "ssgan";
            if (!baseline)
                foreach (var option in new Option[] { labelsPerClass, iters, batchSize, dim, criticAverage, criticInit })
                    if (CommonOptions.Given(parse, option))
                        throw new UsageException($"{option.Name} belongs to --arch ssgan (the semi-supervised baseline); the cnn classifier learns from every label.");
            if (baseline && CommonOptions.Given(parse, epochs))
                throw new UsageException("--epochs belongs to the cnn classifier; --arch ssgan trains for --iters steps.");
            if (parse.GetValue(output) is { } given) CommonOptions.OutputFile(CommonOptions.NonEmptyPath(given, "--out"), "--out");
            CommonOptions.ApplyThreads(parse, threads, stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, stdout);
            var (train, test) = RunData.Usage(() =>
                (ImageDatasets.Load(name, parse.GetValue(data), train: true), ImageDatasets.Load(name, parse.GetValue(data), train: false)));
            if (baseline)
                return Baseline(stdout, name, parse.GetValue(data), parse.GetValue(seed), parse.GetValue(labelsPerClass), parse.GetValue(iters),
                    parse.GetValue(batchSize), parse.GetValue(dim), parse.GetValue(criticAverage), parse.GetValue(criticInit), parse.GetValue(output), train, test);
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
            model.Save(path, name, accuracy);
            stdout.WriteLine($"Test accuracy {accuracy:P2} on {test.Count:N0} images ({clock.Elapsed.TotalSeconds:F0} s). Saved {path}.");
            return GfsApp.Ok;
        });
        return command;
    }

    /// <summary><c>--arch ssgan</c>: the semi-supervised GAN's critic on its labelled images alone (<see cref="Ssgan.SupervisedBaseline"/>).</summary>
    private static int Baseline(TextWriter stdout, string dataset, string? dataDir, ulong seed, int? perClass, int? iters, int? batchSize, int? dim,
        float? averageRate, string? criticInit, string? output, ImageDataset train, ImageDataset test)
    {
        var variant = Registry.Get("ssgan");
        var config = TrainConfig.Defaults(variant, dataset) with { DataDir = dataDir, Seed = seed };
        config = config with
        {
            Iters = iters ?? config.Iters,
            BatchSize = batchSize ?? config.BatchSize,
            Dim = dim ?? config.Dim,
            Options = new Dictionary<string, System.Text.Json.JsonElement>
            {
                [Ssgan.LabelsPerClassOption.Key] = VariantOption<int>.ToJson(perClass ?? Ssgan.LabelsPerClassOption.Default(DataKind.Images)),
                [Ssgan.CriticAverage.Key] = VariantOption<float>.ToJson(averageRate ?? Ssgan.CriticAverage.Default(DataKind.Images)),
                [Ssgan.CriticInit.Key] = VariantOption<string>.ToJson(criticInit ?? Ssgan.CriticInit.Default(DataKind.Images)),
            },
        };
        if (output is not null && Directory.Exists(output)) throw new UsageException($"--out {output} is a folder; give a file name (a .json).");
        int labels = config.Rules.LabelsPerClass(config);
        var clock = Stopwatch.StartNew();
        stdout.WriteLine($"Training ssgan's critic on {labels} labelled {dataset} images per class alone, {config.Iters} steps of {config.BatchSize} " +
                         $"(seed {seed}, dim {config.Dim}, critic-init {Ssgan.CriticInit.Of(config)})");
        var (accuracy, averaged) = RunData.Usage(() => Ssgan.SupervisedBaseline(config, train, test, (step, loss) =>
        {
            if (step % 500 == 0 || step == config.Iters) stdout.WriteLine($"  step {step}/{config.Iters}  loss {loss:F4}  ({clock.Elapsed.TotalSeconds:F0} s)");
        }));
        stdout.WriteLine($"test_acc {accuracy:F4} ({accuracy:P2} of {Math.Min(Ssgan.TestImages, test.Count):N0} test images; {clock.Elapsed.TotalSeconds:F0} s).");
        if (averaged is { } avg)
            stdout.WriteLine($"test_acc_avg {avg:F4} (the running average of its weights, rate {TrainingRun.Format(Ssgan.CriticAverage.Of(config))}, as 'gfs train ssgan' tests it).");
        if (output is not null)
        {
            var line = new System.Text.Json.Nodes.JsonObject
            {
                ["arch"] = "ssgan", ["dataset"] = dataset, ["labels_per_class"] = labels, ["iters"] = config.Iters, ["batch_size"] = config.BatchSize,
                ["dim"] = config.Dim, ["seed"] = seed, ["critic_init"] = Ssgan.CriticInit.Of(config), ["test_acc"] = Math.Round(accuracy, 6),
            };
            if (averaged is not null)
            {
                line["test_acc_avg"] = Math.Round(averaged.Value, 6);
                line["critic_average"] = Ssgan.CriticAverage.Of(config);
            }
            Nn.AtomicFile.WriteAllText(output, line.ToJsonString() + "\n");
            stdout.WriteLine($"Wrote {output}.");
        }
        return GfsApp.Ok;
    }
}
