using System.CommandLine;
using System.Text.Json.Nodes;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Kernels.Cpu;
using Spectre.Console;

namespace GanFromScratch.Cli.Train;

/// <summary><c>gfs train &lt;variant&gt;</c>: one subcommand per GAN variant, all with the same options.</summary>
internal static class TrainCommand
{
    /// <summary>The metrics printed per evaluation and in the summary, in this order.</summary>
    private static readonly string[] ShownMetrics = ["critic_w", "g_loss", "grad_norm", "modes", "hq", "w1", "fd", "score"];

    /// <summary>Exit code after Ctrl-C: the checkpoint is saved, and the shell sees the usual SIGINT status.</summary>
    public const int Interrupted = 130;

    private sealed class Options
    {
        public readonly Option<string?> Dataset = new("--dataset")
        {
            Description = $"Toy 2-D data: {string.Join(", ", ToyDataset.Names)}; images: {string.Join(", ", ImageDatasets.Names)}. " +
                          "Default: 8gaussians (fashion-mnist for dcgan).",
        };
        public readonly Option<int?> Iters = new("--iters") { Description = "Generator iterations (each after --critic-iters critic steps). Default: 1800 on toy data, 2000 on images." };
        public readonly Option<int?> BatchSize = new("--batch-size") { Description = "Samples per batch. Default: 256 on toy data, 50 on images (gan_mnist.py's)." };
        public readonly Option<float?> Lr = new("--lr") { Description = "Learning rate of both optimizers (default: the variant's; see above)." };
        public readonly Option<int?> CriticIters = new("--critic-iters") { Description = "Critic steps per generator step (default: 5 for wgan and wgan-gp, 1 otherwise)." };
        public readonly Option<float?> Lambda = new("--lambda")
        {
            Description = $"wgan-gp: weight λ of the gradient penalty. Default 10 (the paper's) on images, {ToyDataset.DefaultPenaltyWeight} on the toy datasets, as the " +
                          "WGAN-GP authors' gan_toy.py (\"smaller lambda seems to help for toy tasks\"; with the paper's λ = 10 the toy " +
                          "generator still wanders after 2,500 iterations); use --lambda 10 for the paper's setting.",
        };
        public readonly Option<float> Clip = new("--clip") { Description = "wgan: clamp every critic weight to [−c, c] after each critic step.", DefaultValueFactory = _ => 0.01f };
        public readonly Option<int?> Dim = new("--dim") { Description = "Width of both networks: hidden units on toy data (default 512), base channels DIM on images (default 64)." };
        public readonly Option<string?> Arch = new("--arch")
        {
            Description = $"Images: the network pair, {string.Join(" or ", ImageNetworks.Names)}. Default: gan-mnist (no batch norm) for wgan and " +
                          "wgan-gp, dcgan (batch norm) for gan, dcgan and lsgan. wgan-gp refuses a critic with batch norm.",
        };
        public readonly Option<string?> Data = new("--data") { Description = $"Images: a folder of MNIST-format IDX files instead of {FashionMnist.DefaultFolder}." };
        public readonly Option<int> SampleEvery = new("--sample-every") { Description = "Images: save a grid of 64 samples from fixed noise every N iterations.", DefaultValueFactory = _ => 100 };
        public readonly Option<string?> Classifier = new("--classifier")
        {
            Description = "Images: a classifier from 'gfs train classifier', whose features give the Fréchet distance (fd) and the classifier score " +
                          $"logged at every evaluation. Default: {ClassifierCommand.DefaultPath("<dataset>")} when it exists.",
        };
        public readonly Option<int> FdSamples = new("--fd-samples") { Description = "Images: generated (and test) images per fd.", DefaultValueFactory = _ => 10000 };
        public readonly Option<ulong> Seed = new("--seed") { Description = "Seed of every random number of the run.", DefaultValueFactory = _ => 1UL };
        public readonly Option<string?> Out = new("--out") { Description = "Run folder (default: runs/<variant>-<dataset>)." };
        public readonly Option<string?> Resume = new("--resume")
        {
            Description = "Continue from a checkpoint: the run folder's own (no value) or the file given. " +
                          "Settings come from the checkpoint; --iters may extend the run.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        public readonly Option<bool> Force = new("--force") { Description = "Start afresh in a run folder that already holds a run (its files are replaced)." };
        public readonly Option<int> EvalEvery = new("--eval-every") { Description = "Evaluate, draw a frame and save a checkpoint every N iterations.", DefaultValueFactory = _ => 100 };
        public readonly Option<string> Device = DeviceChoice.Option();
        public readonly Option<int> Threads = new("--threads") { Description = "CPU threads (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        public readonly Option<string> GLoss = new("--g-loss")
        {
            Description = "gan: the generator's loss. non-saturating (default) maximises log D(G(z)), whose gradient is strong while " +
                          "the critic rejects the samples — early in training; saturating minimises log(1 − D(G(z))), the original " +
                          "minimax game, whose gradient then vanishes.",
            DefaultValueFactory = _ => "non-saturating",
        };

        public Options() => GfsApp.AtLeast(Threads, 1);

        public IEnumerable<Option> All(bool gan) =>
            new Option[] { Dataset, Iters, BatchSize, Lr, CriticIters, Lambda, Clip, Dim, Arch, Data, SampleEvery, Classifier, FdSamples, Seed, Out, Resume, Force, EvalEvery, Device, Threads }
                .Concat(gan ? [GLoss] : []);
    }

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var train = new Command("train", "Train a GAN (one subcommand per variant; see 'gfs train <variant> --help'), or the classifier that measures image GANs.");
        foreach (var name in GanVariant.Names) train.Subcommands.Add(Variant(name, stdout, stderr));
        train.Subcommands.Add(ClassifierCommand.Create(stdout, stderr));
        return train;
    }

    private static Command Variant(string name, TextWriter stdout, TextWriter stderr)
    {
        var variant = GanVariant.Get(name);
        var o = new Options();
        var command = new Command(name,
            $"Train {variant.Summary}, on toy 2-D data or on 28×28 images.\n\n" +
            "Writes into the run folder: metrics.jsonl (one line per evaluation: iter, time_s, critic_w, g_loss, grad_norm; on toy data " +
            "modes, hq, w1; on images fd and score when a classifier is there), frames/iter_NNNNNN.png (toy data: critic contours, real " +
            "and generated points; images: a grid of 64 samples from fixed noise), checkpoint.safetensors, config.json and, at the end, " +
            "metrics.png. Ctrl-C saves a checkpoint and stops; --resume continues.\n\n" +
            "Exit codes: 0 done, 1 failure (e.g. a loss became NaN), 2 bad usage, 130 interrupted (checkpoint saved).\n\n" +
            "Examples:\n" +
            (variant.NeedsImages
                ? $"  gfs train {name} --dataset fashion-mnist\n" +
                  $"  gfs train {name} --dataset mnist --data ~/mnist --iters 5000 --out runs/mnist\n" +
                  $"  gfs train {name} --out runs/mnist --resume --iters 8000"
                : $"  gfs train {name} --dataset 8gaussians\n" +
                  $"  gfs train {name} --dataset fashion-mnist --iters 2000\n" +
                  $"  gfs train {name} --dataset 25gaussians --iters 5000 --out runs/25g\n" +
                  (name == "wgan-gp" ? "  gfs train wgan-gp --lambda 10   (the paper's penalty weight; slower to settle on toy data)\n" : "") +
                  $"  gfs train {name} --out runs/25g --resume --iters 8000"));
        foreach (var option in o.All(name == "gan")) command.Options.Add(option);
        command.SetAction((parse, cancel) => Task.FromResult(Run(name, parse, o, stdout, stderr, cancel)));
        return command;
    }

    private static int Run(string variantName, ParseResult parse, Options o, TextWriter stdout, TextWriter stderr, CancellationToken _)
    {
        var variant = GanVariant.Get(variantName);
        string dataset = parse.GetValue(o.Dataset) ?? (variant.NeedsImages ? "fashion-mnist" : "8gaussians");
        bool images = ImageDatasets.Names.Contains(dataset);
        var given = new TrainConfig
        {
            Variant = variantName,
            Dataset = dataset,
            Iters = parse.GetValue(o.Iters) ?? (images ? 2000 : 1800),
            BatchSize = parse.GetValue(o.BatchSize) ?? (images ? 50 : 256),
            Lr = parse.GetValue(o.Lr) ?? variant.DefaultLr,
            Beta2 = variant.DefaultBeta2,
            CriticIters = parse.GetValue(o.CriticIters) ?? variant.DefaultCriticIters,
            Lambda = parse.GetValue(o.Lambda) ?? (images ? 10f : ToyDataset.DefaultPenaltyWeight),
            Clip = parse.GetValue(o.Clip),
            Dim = parse.GetValue(o.Dim) ?? (images ? 64 : 512),
            Seed = parse.GetValue(o.Seed),
            EvalEvery = parse.GetValue(o.EvalEvery),
            GLoss = parse.GetValue(o.GLoss)!,
            Arch = images ? parse.GetValue(o.Arch) : null,
            DataDir = parse.GetValue(o.Data),
            SampleEvery = parse.GetValue(o.SampleEvery),
            FdSamples = parse.GetValue(o.FdSamples),
            // A full path: a resumed run finds its classifier from any working folder.
            Classifier = images && (parse.GetValue(o.Classifier) ?? ExistingClassifier(dataset)) is { } classifierPath ? Path.GetFullPath(classifierPath) : null,
        };
        if (!images && (Given(parse, o.Arch) || Given(parse, o.Data)))
            throw new UsageException("--arch and --data are for image datasets (--dataset fashion-mnist or mnist).");
        given.Validate(); // names the option on impossible values (exit 2)
        int threads = parse.GetValue(o.Threads);
        CpuParallel.Threads = threads;
        using var device = DeviceChoice.Use(parse.GetValue(o.Device)!, stdout);

        bool resume = parse.GetResult(o.Resume) is not null;
        string? resumeFrom = parse.GetValue(o.Resume) is { Length: > 0 } path ? path : null;
        // Resuming a checkpoint by path continues in its own folder unless --out says otherwise.
        string outDir = parse.GetValue(o.Out)
                        ?? (resumeFrom is not null ? Path.GetDirectoryName(Path.GetFullPath(resumeFrom))! : Path.Combine("runs", $"{variantName}-{given.Dataset}"));
        IGanTrainer trainer;
        if (resume)
        {
            string checkpoint = resumeFrom ?? Path.Combine(outDir, TrainingRun.CheckpointFile);
            trainer = LoadForResume(checkpoint, given, parse, o, stdout);
            stdout.WriteLine($"Resuming {checkpoint} at iteration {trainer.Iteration} of {trainer.Config.Iters}.");
            if (trainer.Iteration >= trainer.Config.Iters)
                stdout.WriteLine($"That run is complete; give --iters above {trainer.Iteration} to train further.");
        }
        else
        {
            if (images)
            {
                // Everything that can fail (data, architecture, classifier) fails before the folder is touched.
                var (train, test, classifier) = LoadImageData(given, stdout);
                var imageTrainer = new ImageTrainer(given, train, test) { Classifier = classifier };
                PrepareFreshFolder(outDir, parse.GetValue(o.Force));
                trainer = imageTrainer;
            }
            else
            {
                var toyTrainer = new ToyTrainer(given);
                PrepareFreshFolder(outDir, parse.GetValue(o.Force));
                trainer = toyTrainer;
            }
        }

        var config = trainer.Config;
        stdout.WriteLine($"gfs train {config.Variant} · {config.Dataset}{(trainer is ImageTrainer it ? $" ({it.Arch})" : "")} · dim {config.Dim} · batch {config.BatchSize} · lr {config.Lr:G3} · " +
                         $"{config.CriticIters} critic step(s) · {(variant.UsesPenalty ? $"λ {config.Lambda:G3} · " : "")}" +
                         $"{(variant.UsesClipping ? $"clip {config.Clip:G3} · " : "")}seed {config.Seed} · {threads} thread(s) → {outDir}");

        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true; // finish the iteration, save, exit cleanly
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        RunResult result;
        try
        {
            result = RunWithProgress(trainer, outDir, stdout, stderr, interrupt.Token);
        }
        catch (NonFiniteLossException e)
        {
            stderr.WriteLine($"gfs: {e.Message}");
            string checkpoint = Path.Combine(outDir, TrainingRun.CheckpointFile);
            stderr.WriteLine(File.Exists(checkpoint)
                ? $"The last good checkpoint is {checkpoint}."
                : "No checkpoint was written before that (lower --eval-every to checkpoint more often).");
            return GfsApp.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }

        PrintSummary(result, config, outDir, stdout);
        if (result.Interrupted)
        {
            stdout.WriteLine($"Interrupted at iteration {result.Iteration}; checkpoint saved. Continue with: " +
                             $"gfs train {config.Variant} --out {outDir} --resume");
            return Interrupted;
        }
        return GfsApp.Ok;
    }

    /// <summary>Runs the loop; a live progress bar on a terminal, one line per evaluation otherwise.</summary>
    private static RunResult RunWithProgress(IGanTrainer trainer, string outDir, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        bool live = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected && !Console.IsOutputRedirected;
        if (!live)
            return TrainingRun.Train(trainer, outDir, p =>
            {
                if (p.Metrics is { } m) stdout.WriteLine(FormatMetrics(m));
            }, cancel);

        RunResult? result = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new IterationsPerSecondColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var config = trainer.Config;
                var task = ctx.AddTask(Describe(trainer.Iteration, config.Iters, null), maxValue: config.Iters);
                task.Value = trainer.Iteration;
                result = TrainingRun.Train(trainer, outDir, p =>
                {
                    task.Value = p.Iteration;
                    task.Description = Describe(p.Iteration, p.TotalIterations, p.Losses.CriticW);
                    if (p.Metrics is { } m) console.MarkupLine(Markup.Escape(FormatMetrics(m)));
                }, cancel);
            });
        return result!;
    }

    private static string Describe(int iteration, int total, float? criticW) =>
        $"iter {iteration}/{total}" + (criticW is { } w ? $"  critic_w {w,8:F4}" : "");

    private static string FormatMetrics(JsonObject m)
    {
        var parts = new List<string> { $"iter {m["iter"]}" };
        foreach (var key in ShownMetrics)
            if (m[key] is { } v) parts.Add($"{key} {TrainingRun.Format(TrainingRun.Number(v))}");
        parts.Add($"({TrainingRun.Format(TrainingRun.Number(m["time_s"]!))} s)");
        return string.Join("  ", parts);
    }

    /// <summary>A fresh run may not silently mix with an old one: a non-empty folder needs --force (or --resume).</summary>
    private static void PrepareFreshFolder(string outDir, bool force)
    {
        if (File.Exists(outDir)) throw new UsageException($"--out {outDir} is a file, not a folder.");
        if (!Directory.Exists(outDir) || !Directory.EnumerateFileSystemEntries(outDir).Any()) return;
        if (!force)
            throw new UsageException($"The run folder {outDir} is not empty. Add --resume to continue the run in it, " +
                                     "--force to start afresh there (its run files are replaced), or choose another --out.");
        TrainingRun.DeleteRunFiles(outDir);
    }

    /// <summary>
    /// Loads a checkpoint to continue from, refusing — before anything is written — a missing
    /// or corrupt file, or one from a different variant, dataset or architecture than asked for.
    /// </summary>
    private static IGanTrainer LoadForResume(string checkpoint, TrainConfig given, ParseResult parse, Options o, TextWriter stdout)
    {
        if (!File.Exists(checkpoint))
            throw new UsageException($"There is no checkpoint to resume at {checkpoint}. Give its path (--resume PATH) or the run's --out folder.");
        try
        {
            bool images = ImageTrainer.IsImageCheckpoint(checkpoint);
            var saved = images ? ImageTrainer.ReadConfig(checkpoint) : ToyTrainer.ReadConfig(checkpoint);
            void Same<T>(string option, T savedValue, T givenValue, bool explicitlyGiven)
            {
                if (explicitlyGiven && !EqualityComparer<T>.Default.Equals(savedValue, givenValue))
                    throw new UsageException($"The checkpoint {checkpoint} was trained with {option} {savedValue}, not {givenValue}; " +
                                             "a run cannot change it when resuming.");
            }
            Same("variant", saved.Variant, given.Variant, true);
            Same("--dataset", saved.Dataset, given.Dataset, Given(parse, o.Dataset));
            Same("--dim", saved.Dim, given.Dim, Given(parse, o.Dim));
            Same("--batch-size", saved.BatchSize, given.BatchSize, Given(parse, o.BatchSize));
            Same("--seed", saved.Seed, given.Seed, Given(parse, o.Seed));
            TrainConfig Overrides(TrainConfig c) => c with
            {
                Iters = Given(parse, o.Iters) ? given.Iters : c.Iters,
                EvalEvery = Given(parse, o.EvalEvery) ? given.EvalEvery : c.EvalEvery,
                SampleEvery = Given(parse, o.SampleEvery) ? given.SampleEvery : c.SampleEvery,
                Classifier = Given(parse, o.Classifier) ? given.Classifier : c.Classifier,
            };
            if (!images) return ToyTrainer.Load(checkpoint, Overrides);
            var config = Overrides(saved);
            var (train, test, classifier) = LoadImageData(config, stdout);
            var trainer = ImageTrainer.Load(checkpoint, train, test, Overrides);
            trainer.Classifier = classifier;
            return trainer;
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message + " Nothing was changed.");
        }
    }

    /// <summary>The classifier trained by 'gfs train classifier' for this dataset, if it is where that command puts it.</summary>
    private static string? ExistingClassifier(string dataset) =>
        File.Exists(ClassifierCommand.DefaultPath(dataset)) ? ClassifierCommand.DefaultPath(dataset) : null;

    /// <summary>The training images, and the test images and classifier for fd when a classifier is given.</summary>
    private static (ImageDataset Train, ImageDataset? Test, FeatureClassifier? Classifier) LoadImageData(TrainConfig config, TextWriter stdout)
    {
        try
        {
            var train = ImageDatasets.Load(config.Dataset, config.DataDir, train: true);
            if (config.Classifier is null)
            {
                stdout.WriteLine($"No classifier, so no fd: run 'gfs train classifier --dataset {config.Dataset}' once (a few minutes) to measure runs.");
                return (train, null, null);
            }
            var (classifier, dataset, accuracy) = FeatureClassifier.Load(config.Classifier);
            stdout.WriteLine($"fd and score in the features of {config.Classifier} ({dataset}, test accuracy {accuracy:P1}).");
            return (train, ImageDatasets.Load(config.Dataset, config.DataDir, train: false), classifier);
        }
        catch (FileNotFoundException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static void PrintSummary(RunResult result, TrainConfig config, string outDir, TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        var table = new Table().Title($"{config.Variant} on {config.Dataset}: {(result.Interrupted ? "interrupted" : "done")}");
        table.AddColumns("", "");
        table.AddRow("iterations", $"{result.Iteration} / {config.Iters}");
        table.AddRow("time", $"{result.Seconds:F1} s ({(result.Seconds > 0 ? result.Iteration / result.Seconds : 0):F2} it/s over the run)");
        if (result.LastMetrics is { } m)
        {
            table.AddRow("last evaluation", $"iteration {m["iter"]}");
            foreach (var key in ShownMetrics)
                if (m[key] is { } v) table.AddRow(key, TrainingRun.Format(TrainingRun.Number(v)));
        }
        table.AddRow("run folder", Markup.Escape(outDir));
        table.AddRow("pictures", Markup.Escape(Path.Combine(outDir, TrainingRun.FramesFolder)) + ", " + Markup.Escape(Path.Combine(outDir, TrainingRun.MetricsPlotFile)));
        table.AddRow("checkpoint", Markup.Escape(result.CheckpointPath));
        console.Write(table);
    }

    /// <summary>Iterations per second, as Spectre.Console measures the task's speed.</summary>
    private sealed class IterationsPerSecondColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } speed ? $"{speed:F2} it/s" : "— it/s");
    }
}
