using System.CommandLine;
using System.Globalization;
using System.Text;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs sample</c>: draws samples from a trained generator.</summary>
internal static class SampleCommand
{
    private const int GridColumns = 8;

    public static Command Create(TextWriter stdout)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint written by 'gfs train'.", Required = true };
        var count = CommonOptions.AtLeast(new Option<int>("-n") { Description = "How many samples.", DefaultValueFactory = _ => 1000 }, 1);
        var output = new Option<string>("--out")
        {
            Description = "File to write: toy data as CSV (columns x,y, and label for a conditional run); text as .txt (one line per sample, " +
                          "its most likely character at each position); images as a PNG grid " +
                          "(8 per row) or as NumPy .npy (uint8 [n, 28, 28], the labels of a conditional run in <name>.labels.npy), " +
                          "which other scorers (pytorch-fid, torch-fidelity, your own classifier) read.",
            Required = true,
        };
        var classes = new Option<int[]>("--class")
        {
            Description = "Conditional runs: the class(es) to make, in turn (a PNG grid gives each a row). Default: every class.",
            AllowMultipleArgumentsPerToken = true,
        };
        var code = CommonOptions.AtLeast(new Option<int?>("--code")
        {
            Description = "Runs with continuous latent codes (infogan): write the latent traversal of code K instead — rows the categorical " +
                          "code's values, columns code K from −2 to 2, everything else fixed — as a PNG.",
        }, 1);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator's noise.", DefaultValueFactory = _ => 1UL };
        var truncation = TruncationOption();
        var raw = RawOption();
        var device = DeviceChoice.Option();
        var threads = CommonOptions.Threads();
        var command = new Command("sample",
            "Draw samples from a trained generator: toy data as CSV (one x,y point per line), text as lines of a .txt, images as a PNG grid (8 per row) or " +
            "a .npy array. The training data need not be installed.\n\n" +
            "Examples:\n  gfs sample --checkpoint runs/wgan-gp-8gaussians/checkpoint.safetensors -n 1000 --out samples.csv\n" +
            "  gfs sample --checkpoint runs/wgan-gp-fashion-mnist/checkpoint.safetensors -n 64 --out grid.png\n" +
            "  gfs sample --checkpoint runs/wgan-gp-fashion-mnist/checkpoint.safetensors -n 10000 --out samples.npy\n" +
            "  gfs sample --checkpoint runs/wgan-gp-text/checkpoint.safetensors -n 20 --out lines.txt\n" +
            "  gfs sample --checkpoint runs/cgan-fashion-mnist/checkpoint.safetensors --class 3 5 -n 16 --out dresses-and-sandals.png\n" +
            "  gfs sample --checkpoint runs/infogan-fashion-mnist/checkpoint.safetensors --code 2 --out traversal.png\n" +
            "  gfs sample --checkpoint runs/cgan-fashion-mnist/checkpoint.safetensors --truncation 0.5 -n 64 --out truncated.png\n" +
            "  gfs sample --checkpoint runs/biggan-fashion-mnist/checkpoint.safetensors --raw --out raw.png   (not the moving average)")
        {
            checkpoint, count, output, classes, code, seed, truncation, raw, device, threads,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            float? truncated = Truncation(parse, truncation);
            string path = CommonOptions.NonEmptyPath(parse.GetValue(checkpoint), "--checkpoint");
            string target = CommonOptions.NonEmptyPath(parse.GetValue(output), "--out");
            if (!File.Exists(path)) throw new UsageException($"No checkpoint at {path}.");
            if (Path.GetFullPath(target) == Path.GetFullPath(path))
                throw new UsageException($"--out {target} is the checkpoint itself: writing samples there would destroy it. Give another file.");
            CommonOptions.OutputFile(target, "--out");
            var config = Checkpoint.ReadConfig(path);
            config.RequireSamples(n, "-n"); // an ArgumentException: exit 2
            string extension = Path.GetExtension(target).ToLowerInvariant();
            string[] allowed = config.Kind switch { DataKind.Toy => [".csv"], DataKind.Text => [".txt"], _ => [".png", ".npy"] };
            if (!allowed.Contains(extension))
                throw new UsageException($"--out {target}: samples of {Datasets.Describe(config.Kind)} are written as " +
                                         $"{string.Join(" or ", allowed)}; give a name ending in {string.Join(" or ", allowed)}.");
            var shape = DataShape.Of(config);
            if (parse.GetValue(code) is { } k)
            {
                if (config.Rules is not ILatentTraversal traversal)
                    throw new UsageException($"--code: a {config.Variant} run has no latent codes to sweep (" +
                                             string.Join(", ", Registry.All.Where(v => v is ILatentTraversal).Select(v => v.Name)) + " runs have).");
                if (k > traversal.ContinuousCodeCount(config))
                    throw new UsageException($"--code {k}: {path} has continuous codes 1 to {traversal.ContinuousCodeCount(config)}.");
                if (extension != ".png") throw new UsageException($"--out {target}: a traversal is a picture; give a name ending in .png.");
                // The traversal is one fixed picture of the run (its own noise, every categorical value, no truncation).
                var ignored = CommonOptions.GivenNames(parse, count, classes, seed, truncation);
                if (ignored.Count > 0)
                    throw new UsageException($"--code draws the run's fixed traversal (a row per categorical value, the run's own noise): {string.Join(", ", ignored)} " +
                                             "would change nothing; leave them out.");
                if (parse.GetValue(raw)) throw new UsageException("--raw is for samples; a traversal is drawn from the run's sampling generator. Leave out one of the two.");
                CommonOptions.ApplyThreads(parse, threads, stdout);
                using var device1 = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
                var run = Load(path);
                traversal.SaveTraversal(run, k, target);
                stdout.WriteLine($"Wrote the traversal of continuous code {k} of the generator at iteration {run.Iteration} to {target}.");
                return GfsApp.Ok;
            }
            int[]? wanted = parse.GetValue(classes) is { Length: > 0 } given ? given : null;
            bool conditional = config.Rules.NeedsLabels;
            if (wanted is not null && !conditional)
                throw new UsageException($"--class: {path} is an unconditional {config.Variant} run; its generator takes no class. " +
                                         "Conditional variants: " + string.Join(", ", Registry.All.Where(v => v.NeedsLabels).Select(v => v.Name)) + ".");
            if (wanted?.Where(c => c < 0 || c >= shape.Classes).Select(c => (int?)c).FirstOrDefault() is int bad)
                throw new UsageException($"--class {bad}: {config.Dataset} has classes 0 to {shape.Classes - 1}.");
            CommonOptions.ApplyThreads(parse, threads, stdout);
            using var chosen = DeviceChoice.Use(parse.GetValue(device)!, TextWriter.Null);
            var trainer = Load(path);

            // The labels of a conditional run: the classes asked for (or all) in turn; in a grid, one class per row.
            int[]? labels = null;
            if (conditional)
            {
                int[] pool = wanted ?? [.. Enumerable.Range(0, shape.Classes)];
                labels = extension == ".png"
                    ? [.. Enumerable.Range(0, n).Select(i => pool[i / GridColumns % pool.Length])]
                    : [.. Enumerable.Range(0, n).Select(i => pool[i % pool.Length])];
            }
            float[] samples;
            using (TensorScope.Begin())
                samples = trainer.Generate(n, new RandomStream(parse.GetValue(seed)), labels is null ? null : ToyData.Labels(labels), raw: parse.GetValue(raw),
                    truncation: truncated).ToArray();
            string what = Write(target, extension, samples, labels, n, shape, config);
            stdout.WriteLine($"Wrote {what} of {Which(trainer, parse.GetValue(raw))} at iteration {trainer.Iteration} to {target}" +
                             (labels is null ? "." : $" (classes {string.Join(", ", labels.Distinct().Order())}{(extension == ".npy" ? $"; labels in {LabelsPath(target)}" : "")})."));
            return GfsApp.Ok;
        });
        return command;
    }

    /// <summary>--raw: the learning generator in place of its moving average.</summary>
    public static Option<bool> RawOption() => new("--raw")
    {
        Description = "Draw from the learning generator, not from its moving average (for a run trained with --ema, which samples and " +
                      "evaluates the average by default); a run without --ema has the one generator either way.",
    };

    /// <summary>Which generator a run's samples come from, for the message that reports them.</summary>
    public static string Which(Trainer trainer, bool raw) =>
        trainer.HasMovingAverage ? (raw ? "the learning generator (--raw)" : "the moving average of the generator") : "the generator";

    /// <summary>--truncation T: the truncation trick's bound on the noise.</summary>
    public static Option<float?> TruncationOption() => new("--truncation")
    {
        Description = "The truncation trick (BigGAN): every noise value with |z| > T is drawn again until it falls within [−T, T]; smaller T " +
                      "trades variety for fidelity; at least 0.01. Default: no truncation.",
    };

    /// <summary>The smallest --truncation: a normal number falls within [−T, T] with probability about 0.8·T for small T, so T = 0.01 takes ~125 draws a number, and smaller bounds soon take minutes.</summary>
    public const float SmallestTruncation = 0.01f;

    /// <summary>The truncation given, checked: a finite number of at least <see cref="SmallestTruncation"/> (else exit 2, before anything is written).</summary>
    public static float? Truncation(ParseResult parse, Option<float?> option) => parse.GetValue(option) switch
    {
        null => null,
        float t when t >= SmallestTruncation && float.IsFinite(t) => t,
        float t when t > 0 => throw new UsageException($"--truncation {t.ToString(CultureInfo.InvariantCulture)} is too small: each noise value is drawn " +
            $"again until |z| ≤ T, which takes about {1 / (0.8 * t):G2} draws a number; give T ≥ {SmallestTruncation.ToString(CultureInfo.InvariantCulture)}."),
        float t => throw new UsageException($"--truncation must be a positive number (got {t.ToString(CultureInfo.InvariantCulture)}): the bound T on |z|."),
    };

    /// <summary>Where the labels of a .npy of samples go: samples.npy → samples.labels.npy.</summary>
    public static string LabelsPath(string samples) => Path.ChangeExtension(samples, ".labels.npy");

    private static string Write(string target, string extension, float[] samples, int[]? labels, int n, DataShape shape, TrainConfig config)
    {
        switch (extension)
        {
            case ".txt":
                var lines = TextData.MostLikely(samples, n);
                AtomicFile.WriteAllText(target, string.Concat(lines.Select(l => TextCorpus.Decode(l, config.Vocabulary!) + "\n")));
                return $"{n} lines of text";
            case ".csv":
                var csv = new StringBuilder(labels is null ? "x,y\n" : "x,y,label\n");
                for (int i = 0; i < n; i++)
                {
                    csv.Append(samples[2 * i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                       .Append(samples[2 * i + 1].ToString("R", CultureInfo.InvariantCulture));
                    if (labels is not null) csv.Append(',').Append(labels[i].ToString(CultureInfo.InvariantCulture));
                    csv.Append('\n');
                }
                AtomicFile.WriteAllText(target, csv.ToString());
                return $"{n} samples";
            case ".npy":
                // Labels beside the images for a conditional generator; none left beside another generator's (gfs eval would read them).
                if (labels is not null) Npy.Write(LabelsPath(target), [.. labels.Select(l => (long)l)], [n]);
                else if (File.Exists(LabelsPath(target))) File.Delete(LabelsPath(target));
                Npy.Write(target, Npy.Pixels(samples), [n, shape.Sample[1], shape.Sample[2]]);
                return $"{n} images (uint8 [{n}, {shape.Sample[1]}, {shape.Sample[2]}])";
            default:
                ImageGrid.Save(target, samples, n, shape.Sample[1], shape.Sample[2], GridColumns);
                return $"a grid of {n} samples";
        }
    }

    /// <summary>A training checkpoint's players, to sample or measure; a file that is not one is refused naming it (exit 2).</summary>
    public static Trainer Load(string path)
    {
        var config = Checkpoint.ReadConfig(path);
        return Checkpoint.Load(path, config, RunData.ForSampling(config));
    }
}
