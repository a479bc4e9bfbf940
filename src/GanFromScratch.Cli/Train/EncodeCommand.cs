using System.CommandLine;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs encode</c>: E(x) of real samples by a trained encoder (BiGAN), as a .npy for the user's own analysis.</summary>
internal static class EncodeCommand
{
    public static Command Create(TextWriter stdout)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint of a run with an encoder (bigan).", Required = true };
        var output = new Option<string>("--out")
        {
            Description = "The .npy file to write: float32 [n, z], row i the encoding of sample i; their labels (int64 [n]) go to <name>.labels.npy.",
            Required = true,
        };
        var split = new Option<string>("--split") { Description = "Images: which split to encode, test or train.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "train");
        var count = CommonOptions.AtLeast(new Option<int?>("-n") { Description = "Encode the first N samples (default: the whole split; toy data: 10000 points)." }, 1);
        var data = new Option<string?>("--data") { Description = "A folder of MNIST-format IDX files, if not the run's." };
        var beforeTanh = new Option<bool>("--before-tanh")
        {
            Description = "Write the encoder's output before its final tanh (the features nn_acc and probe_acc read) instead of E(x).",
        };
        var seed = new Option<ulong>("--seed") { Description = "Toy data: the seed of the points drawn from the distribution.", DefaultValueFactory = _ => 1UL };
        var device = DeviceChoice.Option();
        var threads = CommonOptions.Threads();
        var command = new Command("encode",
            "Encode real samples with a trained encoder: E(x) of the test (or training) images — or, on toy data, of points drawn from " +
            "the distribution — as a float32 .npy, one row per sample, and their labels beside it. For your own analysis of what the " +
            "encoder learned (gfs train bigan measures nn_acc, probe_acc and recon itself).\n\n" +
            "Examples:\n  gfs encode --checkpoint runs/bigan-fashion-mnist/checkpoint.safetensors --out z.npy\n" +
            "  gfs encode --checkpoint runs/bigan-fashion-mnist/checkpoint.safetensors --split train -n 5000 --out z-train.npy")
        {
            checkpoint, output, split, count, data, beforeTanh, seed, device, threads,
        };
        command.SetAction(parse =>
        {
            string path = CommonOptions.NonEmptyPath(parse.GetValue(checkpoint), "--checkpoint");
            string target = CommonOptions.NonEmptyPath(parse.GetValue(output), "--out");
            if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
            if (Path.GetFullPath(target) == Path.GetFullPath(path))
                throw new UsageException($"--out {target} is the checkpoint itself: writing there would destroy it. Give another file.");
            CommonOptions.OutputFile(target, "--out");
            if (!target.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) throw new UsageException($"--out {target}: encodings are written as .npy; give a name ending in .npy.");
            var config = Checkpoint.ReadConfig(path);
            if (config.Rules is not BiGan)
                throw new UsageException($"{path} is a {config.Variant} run, which has no encoder: gfs encode reads runs of " +
                                         string.Join(", ", Registry.All.Where(v => v is BiGan).Select(v => v.Name)) + ".");
            bool train = parse.GetValue(split) == "train";
            int? wanted = parse.GetValue(count);
            (Tensor Samples, int[]? Labels) samples;
            string source;
            CommonOptions.ApplyThreads(parse, threads, stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
            if (config.Kind == DataKind.Toy)
            {
                var imageOnly = CommonOptions.GivenNames(parse, split, data);
                if (imageOnly.Count > 0)
                    throw new UsageException($"{string.Join(" and ", imageOnly)} choose which images to encode; {path} is a run on {config.Dataset}, " +
                                             "whose points are drawn from the distribution (--seed, -n). Leave them out.");
                int n = wanted ?? 10000;
                config.RequireSamples(n, "-n"); // drawn here (images: at most the split's); an ArgumentException: exit 2
                var points = ToyDataset.Get(config.Dataset).Sample(n, new RandomStream(parse.GetValue(seed)), out var labels);
                samples = (Tensor.FromArray(points, n, 2), ToyDataset.Get(config.Dataset).Centres is null ? null : labels);
                source = $"{n} points of {config.Dataset} (seed {parse.GetValue(seed)})";
            }
            else
            {
                var images = RunData.Usage(() => ImageDatasets.Load(config.Dataset, parse.GetValue(data) ?? config.DataDir, train));
                int n = Math.Min(wanted ?? images.Count, images.Count);
                samples = (images.Batch(0, n), [.. images.Labels[..n].Select(l => (int)l)]);
                source = $"the first {n} {(train ? "training" : "test")} images of {config.Dataset}";
            }
            var trainer = SampleCommand.Load(path);
            float[] z;
            using (TensorScope.Begin()) z = BiGan.Encode(BiGan.Encoder(trainer.Game), samples.Samples, features: parse.GetValue(beforeTanh));
            int rows = samples.Samples.Shape[0], size = z.Length / rows;
            if (samples.Labels is { } l) Npy.Write(SampleCommand.LabelsPath(target), [.. l.Select(v => (long)v)], [rows]);
            Npy.Write(target, z, [rows, size]);
            stdout.WriteLine($"Wrote {(parse.GetValue(beforeTanh) ? "E(x) before its tanh" : "E(x)")} of {source} (float32 [{rows}, {size}], the encoder at iteration {trainer.Iteration}) to {target}" +
                             (samples.Labels is null ? "." : $"; labels in {SampleCommand.LabelsPath(target)}."));
            return GfsApp.Ok;
        });
        return command;
    }
}
