using System.CommandLine;
using System.Diagnostics;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs eval</c>: the Fréchet distance, classifier score and class accuracy of an image generator, or of samples in a .npy file.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout)
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "An image-training checkpoint written by 'gfs train'." };
        var samples = new Option<string?>("--samples")
        {
            Description = "Instead of a checkpoint: images in a .npy file (uint8 [n, 28, 28] as 'gfs sample --out x.npy' writes them, or float32 " +
                          "in [0, 1], [n, 28, 28] or [n, 1, 28, 28]) — from another program, such as the PyTorch peers in tools/reference. " +
                          "Their labels, if any, in <name>.labels.npy (or --labels), give class_acc.",
        };
        var labels = new Option<string?>("--labels") { Description = "With --samples: the class each image was made for (.npy of integers [n])." };
        var dataset = new Option<string>("--dataset") { Description = $"With --samples: the dataset they imitate ({string.Join(", ", ImageDatasets.Names)}).", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string?>("--data") { Description = "With --samples: a folder of MNIST-format IDX files for that dataset." };
        var classifier = new Option<string?>("--classifier") { Description = $"The classifier whose features define fd (default {ClassifierCommand.DefaultPath("<dataset>")})." };
        var count = CommonOptions.AtLeast(new Option<int>("-n") { Description = "Generated images (and test images) to compare; drawn from the run's own evaluation noise, so with -n equal to its --fd-samples fd is the one metrics.jsonl logged.", DefaultValueFactory = _ => 10000 }, 2);
        var truncation = SampleCommand.TruncationOption();
        var raw = SampleCommand.RawOption();
        var curve = new Option<bool>("--truncation-curve")
        {
            Description = "Measure the checkpoint's generator at truncations T = 0.25, 0.5, 1, 1.5, 2 and none, print fd, score (and class_acc) " +
                          "for each and plot them against T (--plot): the fidelity–diversity trade-off of the BigGAN paper.",
        };
        var plot = new Option<string?>("--plot") { Description = "With --truncation-curve: the picture to write (default: truncation.png beside the checkpoint)." };
        var device = DeviceChoice.Option();
        var threads = CommonOptions.Threads();
        var command = new Command("eval",
            "Measure an image generator: the Fréchet distance (fd) between the classifier features of generated and test images, " +
            "FD = ‖μr − μg‖² + Tr(Σr + Σg − 2(ΣrΣg)^½), the classifier score exp(E KL(p(y|x) ‖ p(y))) (the Inception score's analogue, " +
            "1 to 10) and, for a conditional generator, class_acc: the fraction of images the classifier assigns to the class they were " +
            "made for (balanced over the classes). For scale it also prints the fd of as many training images against the test images: " +
            "what a perfect generator would get. A run of a variant with measures of its own (infogan's mi and code_acc, bigan's nn_acc, " +
            "probe_acc and recon, ssgan's test_acc and test_acc_avg) prints those too.\n\n" +
            "Examples:\n  gfs eval --checkpoint runs/wgan-gp-fashion-mnist/checkpoint.safetensors\n" +
            "  gfs eval --checkpoint run/checkpoint.safetensors --classifier my/classifier.safetensors -n 2000\n" +
            "  gfs eval --samples runs/cgan-torch/samples.npy      (labels from runs/cgan-torch/samples.labels.npy)\n" +
            "  gfs eval --checkpoint runs/cgan-fashion-mnist/checkpoint.safetensors --truncation-curve -n 5000\n" +
            "  gfs eval --checkpoint runs/biggan-fashion-mnist/checkpoint.safetensors --raw   (the learning generator, not the moving average)")
        {
            checkpoint, samples, labels, dataset, data, classifier, count, truncation, raw, curve, plot, device, threads,
        };
        command.SetAction(parse =>
        {
            string? path = parse.GetValue(checkpoint), file = parse.GetValue(samples);
            if ((path is null) == (file is null)) throw new UsageException("Give --checkpoint (a gfs run) or --samples (a .npy of images), one of the two.");
            float? truncated = SampleCommand.Truncation(parse, truncation);
            bool wantsCurve = parse.GetValue(curve);
            bool learning = parse.GetValue(raw);
            if (file is not null && (truncated is not null || wantsCurve || learning))
                throw new UsageException("--truncation, --truncation-curve and --raw draw from the generator: they need --checkpoint, not --samples.");
            if (truncated is not null && wantsCurve) throw new UsageException("Give --truncation T or --truncation-curve, not both.");
            if (parse.GetValue(plot) is not null && !wantsCurve) throw new UsageException("--plot is the picture of --truncation-curve; give that too.");
            if (parse.GetValue(plot) is { } plotGiven)
            {
                string picturePath = CommonOptions.NonEmptyPath(plotGiven, "--plot");
                if (!picturePath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                    throw new UsageException($"--plot {picturePath}: the curve is drawn as a PNG; give a name ending in .png.");
                CommonOptions.OutputFile(picturePath, "--plot");
            }
            CommonOptions.ApplyThreads(parse, threads, stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);

            string name = parse.GetValue(dataset)!, what;
            string? dataDir = parse.GetValue(data);
            Func<int, int, Tensor> generate;
            int[]? classes;
            int available;
            Trainer? trainer = null;
            TrainConfig? runConfig = null;
            if (path is not null)
            {
                path = CommonOptions.NonEmptyPath(path, "--checkpoint");
                if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
                var config = runConfig = Checkpoint.ReadConfig(path);
                if (config.Kind != DataKind.Images)
                    throw new UsageException($"{path} is a run on {config.Dataset} ({Datasets.Describe(config.Kind)}): gfs eval measures image generators. " +
                                             (config.Kind == DataKind.Text ? "Text runs are measured during training (js1 … js4 in metrics.jsonl)."
                                                 : "Toy runs are measured during training (w1, modes, hq in metrics.jsonl)."));
                (name, dataDir) = (config.Dataset, config.DataDir);
                trainer = Checkpoint.Load(path, config, RunData.ForSampling(config));
                what = $"{config.Variant} on {config.Dataset}, iteration {trainer.Iteration}" + (trainer.HasMovingAverage ? $", {SampleCommand.Which(trainer, learning)}" : "");
                (generate, classes, available) = (null!, null, int.MaxValue);
            }
            else
            {
                var (images, given) = ReadSamples(CommonOptions.NonEmptyPath(file, "--samples"), parse.GetValue(labels));
                (generate, classes, available) = ((start, k) => images.Narrow(0, start, k), given, images.Shape[0]);
                what = $"{file} against {name}";
            }
            if (!ImageDatasets.Names.Contains(name)) throw new UsageException($"--dataset {name}: not an image dataset. Valid: {string.Join(", ", ImageDatasets.Names)}.");
            string classifierPath = parse.GetValue(classifier) ?? ClassifierCommand.DefaultPath(name);
            var ((model, _, testAccuracy), train, test) = RunData.Usage(() => (FeatureClassifier.Load(classifierPath, name),
                ImageDatasets.Load(name, dataDir, train: true), ImageDatasets.Load(name, dataDir, train: false)));
            int n = Math.Min(Math.Min(parse.GetValue(count), test.Count), available);
            var clock = Stopwatch.StartNew();
            var quality = new ImageQuality(model, test, n);
            if (wantsCurve)
            {
                string picture = parse.GetValue(plot) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path!))!, "truncation.png");
                TruncationCurve(trainer!, quality, what, n, picture, learning, stdout);
                stdout.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s; plotted in {picture})");
                return GfsApp.Ok;
            }
            var (fd, score, classAccuracy) = trainer is not null
                ? ((ImageData)trainer.Data).Measure(trainer, quality, raw: learning, truncation: truncated)
                : quality.Measure(generate, classes);
            if (truncated is { } t) what += $", noise truncated to |z| ≤ {TrainingRun.Format(t)}";
            var (floor, realScore, _) = quality.Measure((start, k) => train.Batch(start, k));
            stdout.WriteLine($"{what}, {n:N0} samples:");
            stdout.WriteLine($"  fd        {fd,10:F3}   (training images against test images: {floor:F3})");
            stdout.WriteLine($"  score     {score,10:F3}   (training images: {realScore:F3}; at most {FeatureClassifier.ClassCount})");
            if (classAccuracy is { } accuracy)
                stdout.WriteLine($"  class_acc {accuracy,10:F4}   (the classifier's accuracy on the test images: {testAccuracy:F4})");
            if (trainer is not null && runConfig is not null && trainer.Variant.MeasureNames.Count > 0)
            {
                // The variant's own measures (InfoGAN's mi and code_acc, BiGAN's nn_acc, ssgan's test_acc), as training logs them:
                // with the noise training draws, whatever --truncation says of fd's.
                if (truncated is not null)
                    stdout.WriteLine($"  {trainer.Variant.Name}'s own measures, as training takes them (noise not truncated):");
                var measured = Checkpoint.Load(path!, runConfig, new ImageData(runConfig, train, test));
                foreach (var (measure, value) in measured.Variant.Measure(measured))
                    stdout.WriteLine($"  {measure,-16} {value,10:F4}");
            }
            stdout.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s)");
            return GfsApp.Ok;
        });
        return command;
    }

    /// <summary>The truncations of the curve; null: none. BigGAN's figure sweeps T from 2 down to 0.04.</summary>
    public static readonly float?[] CurveTruncations = [0.25f, 0.5f, 1f, 1.5f, 2f, null];

    /// <summary>Where "none" stands on the plot's T axis.</summary>
    private const double NoneOnAxis = 3;

    /// <summary>fd, score (and class_acc) at each of <see cref="CurveTruncations"/>, the same noise stream for each: a table and a plot.</summary>
    private static void TruncationCurve(Trainer trainer, ImageQuality quality, string what, int n, string picture, bool raw, TextWriter stdout)
    {
        var rows = CurveTruncations.Select(t => (T: t, M: ((ImageData)trainer.Data).Measure(trainer, quality, raw, t))).ToList();
        bool conditional = rows[0].M.ClassAccuracy is not null;
        stdout.WriteLine($"{what}, {n:N0} samples at each truncation T (|z| ≤ T):");
        stdout.WriteLine($"  {"T",-6} {"fd",10} {"score",8}" + (conditional ? $" {"class_acc",10}" : ""));
        foreach (var (t, m) in rows)
            stdout.WriteLine($"  {(t is { } v ? TrainingRun.Format(v) : "none"),-6} {m.Fd,10:F3} {m.Score,8:F3}" + (conditional ? $" {m.ClassAccuracy,10:F4}" : ""));
        double[] x = [.. rows.Select(r => r.T is { } v ? (double)v : NoneOnAxis)];
        var series = new List<(string, double[], double[])>
        {
            ("fd (lower is better)", x, [.. rows.Select(r => r.M.Fd)]),
            ("score (higher is better)", x, [.. rows.Select(r => r.M.Score)]),
        };
        if (conditional) series.Add(("class_acc", x, [.. rows.Select(r => r.M.ClassAccuracy!.Value)]));
        MetricsPlot.Save(picture, series, $"truncation: {what}", $"truncation T (|z| ≤ T; {NoneOnAxis:0} = none)");
    }

    /// <summary>Images [n, 1, 28, 28] in [0, 1] from a .npy file, and their labels from --labels or the file beside it.</summary>
    private static (Tensor Images, int[]? Labels) ReadSamples(string file, string? labelsFile)
    {
        if (!File.Exists(file)) throw new UsageException($"No samples at {file}.");
        var array = Npy.Read(file);
        int[] shape = array.Shape;
        int side = ImageNetworks.Side;
        bool fits = (shape.Length == 3 && shape[1] == side && shape[2] == side) || (shape.Length == 4 && shape[1] == 1 && shape[2] == side && shape[3] == side);
        if (!fits) throw new UsageException($"{file} holds an array [{string.Join(", ", shape)}]; gfs eval takes grey images [n, {side}, {side}] or [n, 1, {side}, {side}].");
        bool bytes = array.Descr is "|u1" or "<u1";
        if (!bytes && array.Descr is not "<f4")
            throw new UsageException($"{file} holds {array.Descr} values; gfs eval takes uint8 images (0 to 255) or floats in [0, 1].");
        var values = bytes ? [.. array.Values.Select(v => v / 255f)] : array.Values;
        if (!bytes && values.Length > 0 && (values.Min() < -1e-3f || values.Max() > 1.001f || values.Any(float.IsNaN)))
            throw new UsageException($"{file} holds floats from {values.Min()} to {values.Max()}; gfs eval takes them in [0, 1] (images of 0 to 255: divide by 255, " +
                                     "or save them as uint8).");
        var images = Tensor.FromArray(values, [shape[0], 1, side, side], null);
        string? path = labelsFile ?? (File.Exists(SampleCommand.LabelsPath(file)) ? SampleCommand.LabelsPath(file) : null);
        if (path is null) return (images, null);
        if (!File.Exists(path)) throw new UsageException($"--labels {path}: no such file.");
        var labels = Npy.Read(path);
        if (labels.Shape.Length != 1 || labels.Shape[0] != shape[0])
            throw new UsageException($"{path} holds labels [{string.Join(", ", labels.Shape)}] for {shape[0]} images.");
        int[] classes = [.. labels.Values.Select(v => (int)v)];
        if (classes.Any(c => c < 0 || c >= FashionMnist.Classes)) throw new UsageException($"{path}: labels must be classes 0 to {FashionMnist.Classes - 1}.");
        return (images, classes);
    }
}
