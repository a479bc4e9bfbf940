using System.Runtime.InteropServices;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Cli.Distributed;
using GanFromScratch.Engine;
using GanFromScratch.Engine.Distributed;
using Spectre.Console;

namespace GanFromScratch.Cli.Train;

/// <summary>
/// <c>gfs train &lt;variant&gt;</c>: one subcommand per variant of the <see cref="Registry"/>, each
/// with the options every run has and the variant's own (<see cref="Variant.Options"/>).
/// </summary>
internal static class TrainCommand
{
    /// <summary>The metrics printed per evaluation and in the summary, in this order.</summary>
    private static readonly string[] ShownMetrics = ["critic_w", "g_loss", "grad_norm", "modes", "hq", "class_acc", "w1", "fd", "score", "js1", "js2", "js3", "js4"];

    /// <summary>The options every variant has.</summary>
    private sealed class Options
    {
        public readonly Option<string?> Dataset = new("--dataset"); // described per variant (DatasetHelp)
        public readonly Option<int?> Iters = CommonOptions.AtLeast(new Option<int?>("--iters") { Description = $"Generator iterations (each after --critic-iters critic steps). Default: 1800 on toy data, 2000 on images, {TrainConfig.TextDefaultIters} on text." }, 1);
        public readonly Option<int?> BatchSize = CommonOptions.AtLeast(new Option<int?>("--batch-size") { Description = "Samples per batch. Default: 256 on toy data, 64 on text; on images 50 (gan_mnist.py's), except " +
            string.Join(", ", Registry.All.Where(v => v.Defaults.ImageBatchSize is { } b && b != 50).Select(v => $"{v.Name} {v.Defaults.ImageBatchSize}")) + "." }, 1);
        public readonly Option<float?> Lr = new("--lr") { Description = "Learning rate of every player's optimizer (default: the variant's; see above)." };
        public readonly Option<float?> LrG = new("--lr-g") { Description = "The generator's learning rate, if not --lr's (default: the variant's)." };
        public readonly Option<float?> LrD = new("--lr-d") { Description = "The critic's learning rate, if not --lr's (default: the variant's)." };
        public readonly Option<float?> Beta1 = new("--beta1") { Description = "Adam's β₁ (default: the variant's)." };
        public readonly Option<float?> Beta2 = new("--beta2") { Description = "Adam's β₂ (default: the variant's)." };
        public readonly Option<int?> CriticIters = CommonOptions.AtLeast(new Option<int?>("--critic-iters") { Description = "Critic steps per generator step (default: the variant's)." }, 1);
        public readonly Option<int?> Dim = CommonOptions.AtLeast(new Option<int?>("--dim") { Description = $"Width of the networks: hidden units on toy data (default 512), base channels DIM on images (default 64), channels of the residual blocks on text (default {TrainConfig.TextDefaultDim}; the paper's 512 is about 60× the work)." }, 1);
        public readonly Option<string?> Arch = new("--arch"); // described per variant (ArchHelp)
        public readonly Option<string?> SpectralNorm = new Option<string?>("--spectral-norm")
        {
            Description = "Spectral normalization (Miyato et al. 2018): every linear and convolution layer of the critic, the generator or both " +
                          "computes with W/σ̂(W), σ̂ its largest singular value by one power iteration per training forward. Default: the variant's " +
                          "(hinge: critic; biggan: both; the others none).",
        }.AcceptOnlyFromAmong(SpectralNormalization.Choices);
        public readonly Option<float?> Ortho = new("--ortho")
        {
            Description = "BigGAN's orthogonal regularization: β‖WWᵀ ⊙ (1 − I)‖²_F of every linear and convolution weight of the generator " +
                          "added to its loss. Default: the variant's (biggan: 1e-4; the others 0, none).",
        };
        public readonly Option<int?> Accumulate = CommonOptions.AtLeast(new Option<int?>("--accumulate")
        {
            Description = "Gradient accumulation: each step is N micro-batches of --batch-size, each with fresh real samples, their gradients " +
                          "summed with weight 1/N — the step of a batch N times larger without its memory (exactly so where no batch norm " +
                          "mixes samples and no spectral norm steps its power iteration at each micro-batch). Default 1.",
        }, 1);
        public readonly Option<float?> Ema = new("--ema")
        {
            Description = "Keep a moving average of the generator's weights with this decay (BigGAN: 0.9999; for runs of a few thousand " +
                          "iterations 0.999): samples and evaluations use it, and fd_raw (w1_raw on toy data) measures the learning generator. " +
                          "Default: the variant's (biggan: 0.999; the others none); --ema 0 keeps none.",
        };
        public readonly Option<int?> EmaStart = CommonOptions.AtLeast(new Option<int?>("--ema-start")
        {
            Description = "The iteration from which the moving average averages; before it, it copies the generator (default 0).",
        }, 0);
        public readonly Option<string?> Data = new("--data")
        {
            Description = $"Images: a folder of MNIST-format IDX files instead of {FashionMnist.DefaultFolder}. Text: a UTF-8 text file, one sample per " +
                          $"line (cut or padded to {TextCorpus.SequenceLength} characters), instead of Debian's fortunes ({TextCorpus.FortunesFolder}).",
        };
        public readonly Option<int?> Vocab = CommonOptions.AtLeast(new Option<int?>("--vocab")
        {
            Description = $"Text: the most characters in the vocabulary, the unknown one included; rarer characters read as unknown (default {TextCorpus.DefaultVocabularyLimit}, the paper's).",
        }, 2);
        public readonly Option<int?> SampleEvery = CommonOptions.AtLeast(new Option<int?>("--sample-every") { Description = "Images: save a grid of samples from fixed noise every N iterations (default 100)." }, 1);
        public readonly Option<string?> Classifier = new("--classifier")
        {
            Description = "Images: a classifier from 'gfs train classifier', whose features give the Fréchet distance (fd) and the classifier score " +
                          $"logged at every evaluation. Default: {ClassifierCommand.DefaultPath("<dataset>")} when it exists.",
        };
        public readonly Option<int?> FdSamples = CommonOptions.AtLeast(new Option<int?>("--fd-samples") { Description = "Images: generated (and test) images per fd (default 10000)." }, 2);
        public readonly Option<ulong?> Seed = new("--seed") { Description = "Seed of every random number of the run (default 1)." };
        public readonly Option<string?> Out = new("--out") { Description = "Run folder (default: runs/<variant>-<dataset>)." };
        public readonly Option<string?> Resume = new("--resume")
        {
            Description = "Continue from a checkpoint: the run folder's own (no value) or the file given. The networks and the data come from " +
                          "the checkpoint (--dataset, --data, --dim, --arch, --spectral-norm, --ema and --seed cannot change); the training settings given beside " +
                          "--resume (--iters, --lr, --beta1, --beta2, --critic-iters, --batch-size, --ortho, --accumulate, --ema-start, the variant's options, the evaluation " +
                          "settings) replace the saved ones, and the change is recorded in config.json and metrics.jsonl.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        public readonly Option<string?> Config = new("--config")
        {
            Description = "Rerun the settings of a run's config.json (every setting, the seed too); options given beside it override its " +
                          "values, and the output names each one overridden. Default --out: the config's folder with -rerun added. " +
                          "'gfs train --config RUN/config.json' takes the variant from the file.",
        };
        public readonly Option<bool> Force = new("--force") { Description = "Start afresh in a run folder that already holds a run (its run files are replaced)." };
        public readonly Option<int?> EvalEvery = CommonOptions.AtLeast(new Option<int?>("--eval-every") { Description = "Evaluate, draw a frame and save a checkpoint every N iterations (default 100; 50 on text)." }, 1);
        public readonly Option<string> Device = DeviceChoice.Option();
        public readonly Option<int> Threads = CommonOptions.Threads();
        public readonly Option<bool> SyncBatchNorm = new("--sync-batch-norm")
        {
            Description = "In a distributed run, batch norm takes its statistics over every rank's rows (one small all-reduce per layer, " +
                          "forward and backward), so the run normalizes as one process of the whole batch does; without it each rank " +
                          "normalizes its own rows, as PyTorch's DistributedDataParallel does by default. No effect in one process. " +
                          "Saved with the run: a resumed run keeps it ('--sync-batch-norm false' turns it off there).",
        };
        public readonly Option<bool> Distributed = new("--distributed")
        {
            Description = "Train on every process of an MPI job: each rank computes batch/N of every batch, the gradients are averaged " +
                          "over the ranks, rank 0 writes the run folder. Found by itself when mpirun starts gfs " +
                          "(mpirun -np 2 gfs train wgan-gp --threads 1 …); without an MPI library it says what to install.",
        };

        public IEnumerable<Option> All() =>
            [Dataset, Iters, BatchSize, Lr, LrG, LrD, Beta1, Beta2, CriticIters, Dim, Arch, SpectralNorm, Ortho, Accumulate, Ema, EmaStart, Data, Vocab, SampleEvery, Classifier, FdSamples, Seed, Out, Resume, Config, Force, EvalEvery, Device, Threads, Distributed, SyncBatchNorm];
    }

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var train = new Command("train", "Train a GAN (one subcommand per variant; see 'gfs train <variant> --help'), or the classifier that measures image GANs. " +
            "'gfs train --config RUN/config.json' reruns a run's settings (options given after it override them).");
        foreach (var variant in Registry.All) train.Subcommands.Add(VariantCommand(variant, stdout, stderr));
        train.Subcommands.Add(ClassifierCommand.Create(stdout, stderr));
        return train;
    }

    /// <summary>The command line's form of a variant's option: a nullable option of its type (null: not given).</summary>
    private static Option VariantOptionOf(VariantOption option)
    {
        Option made = option.ValueType == typeof(float) ? new Option<float?>("--" + option.Name)
            : option.ValueType == typeof(int) ? new Option<int?>("--" + option.Name)
            : option.ValueType == typeof(string) ? new Option<string?>("--" + option.Name)
            : throw new NotSupportedException($"Variant options of type {option.ValueType.Name} have no command-line form.");
        string defaults = option.DefaultFor(DataKind.Toy).GetRawText() == option.DefaultFor(DataKind.Images).GetRawText()
            ? $" Default: {option.Format(option.DefaultFor(DataKind.Toy))}."
            : "";
        made.Description = option.Description + (option.Description.Contains("Default", StringComparison.Ordinal) ? "" : defaults);
        if (option is VariantOption<string> { Choices: { } choices }) ((Option<string?>)made).AcceptOnlyFromAmong([.. choices]);
        return made;
    }

    /// <summary>A variant option's value as config.json holds it, if it was given.</summary>
    private static JsonElement? GivenValue(ParseResult parse, Option option) => option switch
    {
        Option<float?> f when CommonOptions.Given(parse, f) => float.IsFinite(parse.GetValue(f)!.Value)
            ? JsonSerializer.SerializeToElement(parse.GetValue(f)!.Value)
            : throw new UsageException($"{f.Name} must be a finite number (got {parse.GetValue(f)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)})."),
        Option<int?> i when CommonOptions.Given(parse, i) => JsonSerializer.SerializeToElement(parse.GetValue(i)!.Value),
        Option<string?> s when CommonOptions.Given(parse, s) => JsonSerializer.SerializeToElement(parse.GetValue(s)!),
        _ => null,
    };

    private static Command VariantCommand(Variant variant, TextWriter stdout, TextWriter stderr)
    {
        var o = new Options();
        var own = variant.Options.Select(opt => (Declared: opt, Option: VariantOptionOf(opt))).ToList();
        bool toy = variant.Accepts.Contains(DataKind.Toy);
        string defaultData = toy ? "8gaussians" : "fashion-mnist";
        var d = variant.Defaults;
        var examples = new List<string>();
        if (toy)
            examples.AddRange([$"gfs train {variant.Name} --dataset 8gaussians", $"gfs train {variant.Name} --dataset 25gaussians --iters 5000 --out runs/25g"]);
        if (variant.Accepts.Contains(DataKind.Images))
            examples.AddRange([$"gfs train {variant.Name} --dataset fashion-mnist", $"gfs train {variant.Name} --dataset mnist --data ~/mnist --out runs/mnist"]);
        if (variant.Accepts.Contains(DataKind.Text))
            examples.AddRange([$"gfs train {variant.Name} --dataset text   (the fortunes; --data FILE for your own lines)"]);
        examples.AddRange(variant.Examples);
        if (toy)
            examples.Add($"mpirun -np 2 gfs train {variant.Name} --dataset 8gaussians --batch-size 512 --threads 1   (2 processes, each half of every batch)");
        examples.Add($"gfs train {variant.Name} --config {(toy ? "runs/25g" : "runs/mnist")}/config.json --seed 2 --out runs/seed2");
        static string Half(float lr) => (lr / 2).ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture);
        string halved = d.LrG is null && d.LrD is null ? $"--lr {Half(d.Lr)}" : $"--lr-g {Half(d.LrG ?? d.Lr)} --lr-d {Half(d.LrD ?? d.Lr)}";
        examples.Add($"gfs train {variant.Name} --out {(toy ? "runs/25g" : "runs/mnist")} --resume --iters 8000 {halved}   (half the learning rates)");
        var command = new Command(variant.Name,
            $"Train {variant.Summary}, on {string.Join(" or ", variant.Accepts.Select(Datasets.Describe))}. " +
            $"Default data: --dataset {defaultData}" + (variant.Accepts.Contains(DataKind.Images) ? $"; image networks: --arch {variant.DefaultArch}." : ".") + "\n\n" +
            "Writes into the run folder: " + RunFolderContents(variant) + " Ctrl-C, SIGTERM and SIGHUP finish the iteration, save a checkpoint and stop; --resume continues.\n\n" +
            "Exit codes: 0 done, 1 failure (a loss or the weights became NaN: the last good checkpoint is kept), 2 bad usage (nothing is " +
            "written), 128 + the signal when stopped by one (130 for Ctrl-C; the checkpoint is saved).\n\n" +
            "Examples:\n" + string.Join("\n", examples.Select(e => "  " + e)));
        o.Dataset.Description = DatasetHelp(variant);
        o.Arch.Description = ArchHelp(variant);
        foreach (var option in o.All().Concat(own.Select(x => x.Option))) command.Options.Add(option);
        command.SetAction(parse => RunOnRanks(variant, parse, o, own, stdout, stderr));
        return command;
    }

    /// <summary>What a run of the variant writes, for its help: the metrics of each kind of data it takes, its own measures and pictures.</summary>
    private static string RunFolderContents(Variant variant)
    {
        var metrics = new List<string> { "iter, time_s, critic_w, critic_loss, g_loss, grad_norm" };
        string labels = variant.NeedsLabels ? " and class_acc" : "";
        if (variant.Accepts.Contains(DataKind.Toy)) metrics.Add($"on toy data w1, and on the mixtures modes and hq{labels}");
        if (variant.Accepts.Contains(DataKind.Images)) metrics.Add($"on images fd and score when a classifier is there{labels}");
        if (variant.Accepts.Contains(DataKind.Text)) metrics.Add("on text js1 … js4 (and js1_floor … js4_floor at the first evaluation)");
        metrics.Add("with --ema also w1_raw or fd_raw, the learning generator's");
        if (variant.MeasureNames.Count > 0) metrics.Add($"and {variant.Name}'s own: {string.Join(", ", variant.MeasureNames)}");
        if (variant.NeedsLabels)
            metrics.Add("class_acc is the fraction made in the class asked for: as the classifier judges the images, or on toy data within 3σ of their own label's centre");
        var frames = new List<string>();
        if (variant.Accepts.Contains(DataKind.Toy)) frames.Add("toy data: critic contours, real and generated points" + (variant.NeedsLabels ? " coloured by label" : ""));
        if (variant.Accepts.Contains(DataKind.Images)) frames.Add("images: a grid of samples from fixed noise" + (variant.NeedsLabels ? ", one class per row" : ""));
        string text = variant.Accepts.Contains(DataKind.Text) ? ", samples/iter_NNNNNN.txt (text: decoded samples)" : "";
        string own = variant.PictureFiles.Count > 0 ? ", " + string.Join(", ", variant.PictureFiles) : "";
        return $"metrics.jsonl (one line per evaluation: {string.Join("; ", metrics)}), " +
               $"frames/iter_NNNNNN.png ({string.Join("; ", frames)}){text}{own}, checkpoint.safetensors, config.json and, at the end, metrics.png.";
    }

    private static string DatasetHelp(Variant variant)
    {
        var kinds = new List<string>();
        if (variant.Accepts.Contains(DataKind.Toy))
            kinds.Add("toy 2-D data: " + (variant.NeedsLabels // a label is the mixture component a point was drawn from
                ? string.Join(", ", ToyDataset.Names.Where(n => ToyDataset.Get(n).Centres is not null)) + " (the mixtures: their points have labels)"
                : string.Join(", ", ToyDataset.Names)));
        if (variant.Accepts.Contains(DataKind.Images)) kinds.Add($"images: {string.Join(", ", ImageDatasets.Names)}");
        if (variant.Accepts.Contains(DataKind.Text)) kinds.Add($"lines of text: {Datasets.Text} (Debian's fortunes, or --data FILE)");
        return $"What {variant.Name} trains on: {string.Join("; ", kinds)}.";
    }

    private static string ArchHelp(Variant variant) => variant.Architectures.Count == 1
        ? $"Images: the network pair; {variant.Name} has its own, {variant.Architectures[0]}, and no other."
        : $"Images: the network pair, {string.Join(" or ", variant.Architectures)}. Default: {variant.DefaultArch}; a gradient penalty refuses a critic with batch norm." +
          (variant.Architectures.Contains(BigGanNetworks.Name)
              ? " biggan: BigGAN's residual pair (a shared class embedding, skip-z and conditional batch norm in G, a projection head on D), " +
                "which BigGAN trains with --spectral-norm both."
              : "");

    /// <summary>
    /// The run in this process alone, or on every rank of an MPI job: there rank 0 speaks and writes,
    /// the others train silently, and a failure on any rank ends every rank (MPI_Abort) with a
    /// message naming the rank, since the others would wait for it forever.
    /// </summary>
    private static int RunOnRanks(Variant variant, ParseResult parse, Options o, List<(VariantOption Declared, Option Option)> own,
        TextWriter stdout, TextWriter stderr)
    {
        using var ranks = Ranks.Open(parse.GetValue(o.Distributed));
        if (ranks.Size == 1) return Run(variant, parse, o, own, ranks, stdout, stderr);
        int code;
        try
        {
            code = Run(variant, parse, o, own, ranks, ranks.Rank == 0 ? stdout : TextWriter.Null, stderr);
        }
        catch (Exception e)
        {
            var (message, exit) = GfsApp.Explain(e) ?? (e.ToString(), GfsApp.Failure);
            // Bad usage is, nearly always, what every rank finds in the same line: rank 0 says it and ends the
            // job at once; the others wait a second first, so that only a rank alone in its trouble speaks.
            if (exit == GfsApp.Usage && ranks.Rank != 0) Thread.Sleep(TimeSpan.FromSeconds(1));
            stderr.WriteLine(exit == GfsApp.Usage && ranks.Rank == 0 ? $"gfs: {message}" : $"gfs ({Ranks.Name(ranks)}): {message}");
            ranks.Abort(exit);
            throw;
        }
        return code; // a failure every rank agreed on (a diverged run) ends every rank by itself
    }

    private static int Run(Variant variant, ParseResult parse, Options o, List<(VariantOption Declared, Option Option)> own, ICollective ranks,
        TextWriter stdout, TextWriter stderr)
    {
        bool writes = ranks.Rank == 0; // in a distributed run rank 0 alone touches the run folder
        string? configFile = parse.GetValue(o.Config) is { } configGiven ? CommonOptions.NonEmptyPath(configGiven, "--config") : null;
        // A rerun starts from the saved settings where a fresh run starts from the variant's defaults.
        var rerun = configFile is null ? null : RerunConfig(configFile, variant, parse, o);
        string dataset = parse.GetValue(o.Dataset) ?? rerun?.Dataset ?? (variant.Accepts.Contains(DataKind.Toy) ? "8gaussians" : "fashion-mnist");
        // A rerun on another dataset keeps the run's settings but not what belonged to its data: the folder or
        // file it was read from, the text's vocabulary, the classifier its fd was measured with.
        var defaults = rerun is not null
            ? rerun.Dataset == dataset ? rerun : rerun with { Dataset = dataset, DataDir = null, TextFile = null, Vocabulary = null, Classifier = null }
            : Datasets.IsKnown(dataset) ? TrainConfig.Defaults(variant, dataset) : new TrainConfig { Variant = variant.Name, Dataset = dataset };
        bool images = defaults.Kind == DataKind.Images, text = defaults.Kind == DataKind.Text;
        if (!images && (CommonOptions.Given(parse, o.Arch) || CommonOptions.Given(parse, o.Classifier) || CommonOptions.Given(parse, o.FdSamples) || CommonOptions.Given(parse, o.SampleEvery)))
            throw new UsageException("--arch, --classifier, --fd-samples and --sample-every are for image datasets (--dataset fashion-mnist or mnist).");
        if (!images && !text && CommonOptions.Given(parse, o.Data))
            throw new UsageException("--data is for images (a folder of IDX files) and text (--dataset text: a text file); toy data is drawn, not read.");
        if (!text && CommonOptions.Given(parse, o.Vocab))
            throw new UsageException("--vocab is for text (--dataset text).");
        var options = new Dictionary<string, JsonElement>(defaults.Options);
        foreach (var (declared, option) in own)
            if (GivenValue(parse, option) is { } value) options[declared.Key] = value;
        var given = defaults with
        {
            Iters = parse.GetValue(o.Iters) ?? defaults.Iters,
            BatchSize = parse.GetValue(o.BatchSize) ?? defaults.BatchSize,
            Lr = parse.GetValue(o.Lr) ?? defaults.Lr,
            // --lr alone sets every player's rate; --lr-g and --lr-d then say where the generator's or the critic's differ.
            LrG = parse.GetValue(o.LrG) ?? (CommonOptions.Given(parse, o.Lr) ? null : defaults.LrG),
            LrD = parse.GetValue(o.LrD) ?? (CommonOptions.Given(parse, o.Lr) ? null : defaults.LrD),
            Beta1 = parse.GetValue(o.Beta1) ?? defaults.Beta1,
            Beta2 = parse.GetValue(o.Beta2) ?? defaults.Beta2,
            CriticIters = parse.GetValue(o.CriticIters) ?? defaults.CriticIters,
            Dim = parse.GetValue(o.Dim) ?? defaults.Dim,
            Seed = parse.GetValue(o.Seed) ?? defaults.Seed,
            EvalEvery = parse.GetValue(o.EvalEvery) ?? defaults.EvalEvery,
            SampleEvery = parse.GetValue(o.SampleEvery) ?? defaults.SampleEvery,
            FdSamples = parse.GetValue(o.FdSamples) ?? defaults.FdSamples,
            Arch = images ? parse.GetValue(o.Arch) ?? defaults.Arch : null,
            SpectralNorm = parse.GetValue(o.SpectralNorm) ?? defaults.SpectralNorm,
            Ortho = parse.GetValue(o.Ortho) ?? defaults.Ortho,
            Accumulate = parse.GetValue(o.Accumulate) ?? defaults.Accumulate,
            EmaDecay = parse.GetValue(o.Ema) ?? defaults.EmaDecay,
            EmaStart = parse.GetValue(o.EmaStart) ?? defaults.EmaStart,
            SyncBatchNorm = CommonOptions.Given(parse, o.SyncBatchNorm) ? parse.GetValue(o.SyncBatchNorm) : defaults.SyncBatchNorm,
            DataDir = images && parse.GetValue(o.Data) is { } dir ? Path.GetFullPath(CommonOptions.NonEmptyPath(dir, "--data")) : defaults.DataDir,
            TextFile = text && parse.GetValue(o.Data) is { } file ? Path.GetFullPath(CommonOptions.NonEmptyPath(file, "--data")) : defaults.TextFile,
            Vocab = parse.GetValue(o.Vocab) ?? defaults.Vocab,
            // Another file or limit makes another vocabulary (a rerun's saved one is the old text's).
            Vocabulary = text && (CommonOptions.Given(parse, o.Data) || CommonOptions.Given(parse, o.Vocab)) ? null : defaults.Vocabulary,
            // A full path: a resumed run finds its classifier from any working folder.
            Classifier = images && (parse.GetValue(o.Classifier) ?? defaults.Classifier ?? ExistingClassifier(dataset)) is { } classifierPath
                ? Path.GetFullPath(classifierPath) : null,
            Options = options,
        };
        given.Validate(); // names the option on impossible values (exit 2)
        if (CommonOptions.Given(parse, o.EmaStart) && given.EmaDecay == 0)
            throw new UsageException("--ema-start N is when the moving average of --ema DECAY starts; give --ema too (for example --ema 0.999).");
        if (variant.Defaults.Optimizer == OptimizerKind.RmsProp && (CommonOptions.Given(parse, o.Beta1) || CommonOptions.Given(parse, o.Beta2)))
            throw new UsageException($"{variant.Name} trains with RMSProp, as its paper does, which has no β₁ or β₂: leave out --beta1 and --beta2 " +
                                     "(they set Adam's, for the variants that train with Adam).");
        bool resume = parse.GetResult(o.Resume) is not null;
        if (resume && rerun is not null)
            throw new UsageException("--config starts a new run from saved settings and --resume continues one: give one of them.");
        if (rerun is not null)
        {
            var overridden = Overrides(rerun, given);
            stdout.WriteLine($"Rerunning the settings of {configFile}" +
                             (overridden.Count > 0 ? $"; overriding {string.Join(", ", overridden)}." : " (nothing overridden)."));
        }
        string? resumeFrom = parse.GetValue(o.Resume) is { } path ? CommonOptions.NonEmptyPath(path, "--resume") : null;
        // Resuming a checkpoint by path continues in its own folder unless --out says otherwise.
        string outDir = parse.GetValue(o.Out) is { } outGiven ? CommonOptions.NonEmptyPath(outGiven, "--out")
            : resumeFrom is not null ? Path.GetDirectoryName(Path.GetFullPath(resumeFrom))!
            : configFile is not null ? Path.GetDirectoryName(Path.GetFullPath(configFile))!.TrimEnd(Path.DirectorySeparatorChar) + "-rerun"
            : Path.Combine("runs", $"{variant.Name}-{given.Dataset}");
        int threads = CommonOptions.ApplyThreads(parse, o.Threads, stdout);
        using var device = DeviceChoice.Use(parse.GetValue(o.Device)!, stdout, ranks.Size > 1 ? OpenMpi.LaunchedLocalRank : 0);

        Trainer trainer;
        RunFolder? folder;
        IReadOnlyList<SettingChange> changes = [];
        if (resume)
        {
            // The folder is taken first: a checkpoint another gfs is writing is not read half-way.
            folder = writes ? OpenFolder(outDir) : null;
            try
            {
                string checkpoint = resumeFrom ?? Path.Combine(outDir, TrainingRun.CheckpointFile);
                if (!File.Exists(checkpoint))
                    throw new UsageException($"There is no checkpoint to resume at {checkpoint}. Give its path (--resume PATH) or the run's --out folder.");
                var (config, data) = RunData.ForTraining(ResumedConfig(checkpoint, given, parse, o, own, out changes), stdout);
                try
                {
                    trainer = Checkpoint.Load(checkpoint, config, data);
                }
                catch (Exception e) when (e is InvalidDataException or ArgumentException)
                {
                    throw new UsageException(e.Message + " Nothing was changed.");
                }
                trainer.Distribute(ranks, trainer.Config.SyncBatchNorm); // every rank from rank 0's state
                if (trainer.Config.Iters < trainer.Iteration)
                    throw new UsageException($"--iters {trainer.Config.Iters} is below the iteration {checkpoint} reached ({trainer.Iteration}): a run " +
                                             $"continues, it does not go back. Give --iters above {trainer.Iteration} to train further. Nothing was changed.");
                if (trainer.Iteration >= trainer.Config.Iters && !SameFolder(outDir, Path.GetDirectoryName(Path.GetFullPath(checkpoint))!))
                    throw new UsageException($"{checkpoint} is a complete run (iteration {trainer.Iteration} of {trainer.Config.Iters}): there is " +
                                             $"nothing to train into {outDir}. Give --iters above {trainer.Iteration} to continue it there. Nothing was written.");
                // Only now, with nothing left to refuse, may --force clear another run's files from the folder.
                if (folder is not null && resumeFrom is not null) PrepareFolderForCheckpoint(folder, checkpoint, parse.GetValue(o.Force));
                stdout.WriteLine($"Resuming {checkpoint} at iteration {trainer.Iteration} of {trainer.Config.Iters}" +
                                 (changes.Count > 0 ? $"; changed: {string.Join(", ", changes.Select(Describe))}." : "."));
                if (trainer.Iteration >= trainer.Config.Iters)
                    stdout.WriteLine($"That run is complete; give --iters above {trainer.Iteration} to train further.");
            }
            catch
            {
                folder?.Dispose();
                throw;
            }
        }
        else
        {
            // Everything that can fail (data, networks, classifier) fails before the folder is touched.
            var (config, data) = RunData.ForTraining(given, stdout);
            trainer = Trainer.Start(config, data);
            trainer.Distribute(ranks, trainer.Config.SyncBatchNorm); // every rank from rank 0's state
            folder = writes ? OpenFolder(outDir) : null;
            try
            {
                if (folder is not null) PrepareFreshFolder(folder, parse.GetValue(o.Force));
            }
            catch
            {
                folder?.Dispose();
                throw;
            }
        }

        if (folder is null) return Follow(trainer);
        using (folder)
            return Train(trainer, folder, changes, threads, stdout, stderr);
    }

    /// <summary>A rank other than 0: the same iterations, stopped where rank 0 stops; rank 0 reports, evaluates and saves.</summary>
    private static int Follow(Trainer trainer)
    {
        using var signals = new StopSignals();
        try
        {
            if (!TrainingRun.Follow(trainer, signals.Token)) return GfsApp.Ok;
        }
        catch (RunDivergedException)
        {
            return GfsApp.Failure; // every rank saw the same; rank 0 says so
        }
        return StopSignals.Describe(signals.Received ?? PosixSignal.SIGTERM).ExitCode; // stopped with the others
    }

    /// <summary>
    /// The settings a <c>--config</c> rerun starts from: the file's, without the record of its
    /// resumes (a rerun trains with the final settings from the start). A --dataset beside it may
    /// name another dataset of the same kind only: the saved widths and batch sizes are for that kind.
    /// </summary>
    private static TrainConfig RerunConfig(string file, Variant variant, ParseResult parse, Options o)
    {
        var saved = RunConfigFile.Read(file) with { Changes = [] };
        if (saved.Variant != variant.Name)
            throw new UsageException($"{file} holds a {saved.Variant} run, not {variant.Name}: rerun it with 'gfs train {saved.Variant} --config {file}' " +
                                     $"(or 'gfs train --config {file}').");
        if (parse.GetValue(o.Dataset) is { } dataset && Datasets.IsKnown(dataset) && Datasets.KindOf(dataset) != saved.Kind)
            throw new UsageException($"{file} trains on {Datasets.Describe(saved.Kind)}, and --dataset {dataset} is {Datasets.Describe(Datasets.KindOf(dataset))}: " +
                                     "its saved sizes do not carry over. Start from the variant's defaults instead (leave out --config).");
        return saved;
    }

    /// <summary>The settings of <paramref name="given"/> that differ from <paramref name="saved"/>'s, as "iters 1800 → 100".</summary>
    private static List<string> Overrides(TrainConfig saved, TrainConfig given)
    {
        var before = JsonNode.Parse(saved.ToJson())!.AsObject();
        var after = JsonNode.Parse(given.ToJson())!.AsObject();
        var list = new List<string>();
        void Compare(JsonObject from, JsonObject to, string prefix)
        {
            foreach (var (key, value) in to)
            {
                var old = from[key];
                if (old is JsonObject oldObject && value is JsonObject newObject) Compare(oldObject, newObject, prefix + key + ".");
                else if (old?.ToJsonString() != value?.ToJsonString())
                    list.Add($"{prefix}{key} {old?.ToJsonString() ?? "null"} → {value?.ToJsonString() ?? "null"}");
            }
        }
        Compare(before, after, "");
        return list;
    }

    private static RunFolder OpenFolder(string outDir)
    {
        try
        {
            return RunFolder.Open(outDir);
        }
        catch (Exception e) when (e is RunFolderBusyException or ArgumentException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static int Train(Trainer trainer, RunFolder folder, IReadOnlyList<SettingChange> changes, int threads, TextWriter stdout, TextWriter stderr)
    {
        var config = trainer.Config;
        string outDir = folder.Path;
        string arch = (config.Kind == DataKind.Images ? $" ({config.ChosenArch})" : "") +
            (config.SpectralNorm == SpectralNormalization.None ? "" : $" · spectral norm: {config.SpectralNorm}") +
            (config.Ortho > 0 ? $" · ortho {TrainingRun.Format(config.Ortho)}" : "") +
            (config.Accumulate > 1 ? $" · {config.Accumulate} micro-batches per step" : "") +
            (config.EmaDecay > 0 ? $" · ema {TrainingRun.Format(config.EmaDecay)} from iteration {config.EmaStart}" : "") +
            (config.DataOrder == EpochOrder.FirstScheme && config.Kind != DataKind.Toy ? " · epochs shuffled the first way (a run started before data_order)" : "");
        string own = string.Concat(trainer.Variant.Options.Select(opt => $"{opt.Name} {opt.Format(config.Options.GetValueOrDefault(opt.Key, opt.DefaultFor(config.Kind)))} · "));
        stdout.WriteLine($"gfs train {config.Variant} · {config.Dataset}{arch} · dim {config.Dim} · batch {config.BatchSize} · lr {(config.LrG is null && config.LrD is null ? TrainingRun.Format(config.Lr) : $"G {TrainingRun.Format(config.LrFor(Roles.Generator))}, D {TrainingRun.Format(config.LrFor(Roles.Critic))}")} · " +
                         $"{config.CriticIters} critic step(s) · {own}seed {config.Seed} · {threads} thread(s)" +
                         (trainer.Ranks.Size > 1 ? $" on each of {trainer.Ranks.Size} ranks ({trainer.Ranks.Description}; {config.BatchSize / trainer.Ranks.Size} samples of each batch per rank" +
                          (trainer.SyncsBatchNorm ? "; synchronized batch norm)"
                           : trainer.HasBatchNorm ? "; batch norm on each rank's rows alone: --sync-batch-norm for the whole batch's)" : ")") : "") +
                         $" → {outDir}");

        using var signals = new StopSignals();
        RunResult result;
        Device.Default.ResetPeak();
        try
        {
            result = RunWithProgress(trainer, folder, changes, stdout, stderr, signals.Token);
        }
        catch (RunDivergedException e)
        {
            stderr.WriteLine($"gfs: {e.Message}");
            string checkpoint = Path.Combine(outDir, TrainingRun.CheckpointFile);
            stderr.WriteLine(File.Exists(checkpoint)
                ? $"The last good checkpoint is kept: {checkpoint} (iteration {SafeIteration(checkpoint)})."
                : "No checkpoint was written before that (lower --eval-every to checkpoint more often).");
            return GfsApp.Failure;
        }

        PrintSummary(result, config, trainer.Variant, outDir, stdout);
        if (result.Interrupted)
        {
            // In a distributed run the signal may have reached another rank only: every rank stops at the same iteration.
            var (name, code) = signals.Received is { } signal ? StopSignals.Describe(signal) : ("a signal to another rank", StopSignals.Describe(PosixSignal.SIGTERM).ExitCode);
            stdout.WriteLine($"Stopped by {name} at iteration {result.Iteration}; checkpoint saved. Continue with: " +
                             $"gfs train {config.Variant} --out {outDir} --resume");
            return code;
        }
        return GfsApp.Ok;
    }

    private static string SafeIteration(string checkpoint)
    {
        try
        {
            return Nn.SafeTensors.ReadMetadata(checkpoint).GetValueOrDefault("iteration", "?");
        }
        catch (InvalidDataException)
        {
            return "?";
        }
    }

    /// <summary>Runs the loop; a live progress bar on a terminal, one line per evaluation otherwise.</summary>
    private static RunResult RunWithProgress(Trainer trainer, RunFolder folder, IReadOnlyList<SettingChange> changes, TextWriter stdout, TextWriter stderr,
        CancellationToken cancel)
    {
        bool live = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected && !Console.IsOutputRedirected;
        if (!live)
            return TrainingRun.Train(trainer, folder, p =>
            {
                if (p.Metrics is not { } m) return;
                stdout.WriteLine(FormatMetrics(m, trainer.Variant));
                foreach (var line in TextSamples(trainer, folder.Path, m)) stdout.WriteLine(line);
            }, cancel, changes);

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
                result = TrainingRun.Train(trainer, folder, p =>
                {
                    task.Value = p.Iteration;
                    task.Description = Describe(p.Iteration, p.TotalIterations, p.Losses.CriticW);
                    if (p.Metrics is not { } m) return;
                    console.MarkupLine(Markup.Escape(FormatMetrics(m, trainer.Variant)));
                    foreach (var line in TextSamples(trainer, folder.Path, m)) console.MarkupLine(Markup.Escape(line));
                }, cancel, changes);
            });
        return result!;
    }

    /// <summary>On text, a few of the evaluation's generated lines (from samples/iter_NNNNNN.txt), indented under its progress line.</summary>
    private static IEnumerable<string> TextSamples(Trainer trainer, string outDir, JsonObject m) =>
        trainer.Config.Kind != DataKind.Text ? [] : TextData.FirstSamples(outDir, (int)TrainingRun.Number(m["iter"]!), 4).Select(l => "    | " + l);

    private static string Describe(int iteration, int total, float? criticW) =>
        $"iter {iteration}/{total}" + (criticW is { } w ? $"  critic_w {w,8:F4}" : "");

    private static string Describe(SettingChange c) => $"{c.Setting} {c.From.GetRawText()} → {c.To.GetRawText()}";

    private static string FormatMetrics(JsonObject m, Variant variant)
    {
        var parts = new List<string> { $"iter {m["iter"]}" };
        foreach (var key in ShownMetrics.Concat(variant.MeasureNames))
            if (m[key] is { } v) parts.Add($"{key} {TrainingRun.Format(TrainingRun.Number(v))}");
        parts.Add($"({TrainingRun.Format(TrainingRun.Number(m["time_s"]!))} s)");
        return string.Join("  ", parts);
    }

    /// <summary>A fresh run may not silently mix with an old one: a folder holding a run needs --force (or --resume).</summary>
    private static void PrepareFreshFolder(RunFolder folder, bool force)
    {
        if (!HoldsRunFiles(folder)) return;
        if (!force)
            throw new UsageException($"The run folder {folder.Path} is not empty. Add --resume to continue the run in it, " +
                                     "--force to start afresh there (its run files are replaced), or choose another --out.");
        TrainingRun.DeleteRunFiles(folder.Path);
    }

    /// <summary>Whether the folder holds anything but its lock: files of a run that a new start would mix with.</summary>
    private static bool HoldsRunFiles(RunFolder folder) =>
        Directory.EnumerateFileSystemEntries(folder.Path).Any(e => Path.GetFileName(e) != RunFolder.LockFile);

    /// <summary>Whether two paths name one folder.</summary>
    private static bool SameFolder(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    /// <summary>
    /// A checkpoint resumed into another folder than its own (--resume PATH --out DIR) continues there as
    /// a run of its own: DIR must not hold another run, whose checkpoint it would replace and whose
    /// metrics it would continue — unless --force, which removes that run's files first.
    /// </summary>
    private static void PrepareFolderForCheckpoint(RunFolder folder, string checkpoint, bool force)
    {
        if (SameFolder(folder.Path, Path.GetDirectoryName(Path.GetFullPath(checkpoint))!)) return;
        if (!HoldsRunFiles(folder)) return;
        if (!force)
            throw new UsageException($"The run folder {folder.Path} is not empty, and {checkpoint} is not its checkpoint: resuming there would replace " +
                                     "its run's checkpoint and continue that run's metrics with another's. Give an empty or new --out, " +
                                     "or add --force to replace the run files there.");
        TrainingRun.DeleteRunFiles(folder.Path);
    }

    /// <summary>
    /// The configuration a resumed run trains with: the checkpoint's, with the training settings
    /// given beside --resume in place of the saved ones (each change listed in <paramref name="changes"/>);
    /// a setting that would change the networks or the data is refused by name, before anything is written.
    /// </summary>
    private static TrainConfig ResumedConfig(string checkpoint, TrainConfig given, ParseResult parse, Options o,
        List<(VariantOption Declared, Option Option)> own, out IReadOnlyList<SettingChange> changes)
    {
        TrainConfig saved;
        try
        {
            saved = Checkpoint.ReadConfig(checkpoint);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message + " Nothing was changed.");
        }
        if (saved.Variant != given.Variant)
            throw new UsageException($"The checkpoint {checkpoint} is a {saved.Variant} run, not {given.Variant}: resume it with 'gfs train {saved.Variant} --resume'.");
        void Fixed<T>(string option, T savedValue, T givenValue, bool explicitlyGiven)
        {
            if (explicitlyGiven && !EqualityComparer<T>.Default.Equals(savedValue, givenValue))
                throw new UsageException($"The checkpoint {checkpoint} was trained with {option} {savedValue}, not {givenValue}: a resumed run keeps " +
                                         "its networks and data (--dataset, --data, --vocab, --dim, --arch, --spectral-norm, --ema, --seed). Start a new run (another --out, or --force) to change them.");
        }
        Fixed("--dataset", saved.Dataset, given.Dataset, CommonOptions.Given(parse, o.Dataset));
        Fixed("--data", saved.DataDir, given.DataDir, CommonOptions.Given(parse, o.Data) && saved.Kind == DataKind.Images);
        Fixed("--data", saved.TextFile, given.TextFile, CommonOptions.Given(parse, o.Data) && saved.Kind == DataKind.Text);
        Fixed("--vocab", saved.Vocab, given.Vocab, CommonOptions.Given(parse, o.Vocab));
        Fixed("--dim", saved.Dim, given.Dim, CommonOptions.Given(parse, o.Dim));
        Fixed("--arch", saved.ChosenArch, given.ChosenArch, CommonOptions.Given(parse, o.Arch));
        Fixed("--spectral-norm", saved.SpectralNorm, given.SpectralNorm, CommonOptions.Given(parse, o.SpectralNorm));
        Fixed("--ema", saved.EmaDecay, given.EmaDecay, CommonOptions.Given(parse, o.Ema));
        Fixed("--seed", saved.Seed, given.Seed, CommonOptions.Given(parse, o.Seed));

        int iteration = Checkpoint.SavedIteration(checkpoint);
        var config = saved;
        var list = new List<SettingChange>();
        void Change<T>(string setting, Func<TrainConfig, T> get, Func<TrainConfig, T, TrainConfig> set, bool explicitlyGiven)
        {
            if (!explicitlyGiven) return;
            T from = get(config), to = get(given);
            if (EqualityComparer<T>.Default.Equals(from, to)) return;
            config = set(config, to);
            list.Add(new SettingChange(iteration, setting, JsonSerializer.SerializeToElement(from), JsonSerializer.SerializeToElement(to)));
        }
        Change("iters", c => c.Iters, (c, v) => c with { Iters = v }, CommonOptions.Given(parse, o.Iters));
        Change("lr", c => c.Lr, (c, v) => c with { Lr = v }, CommonOptions.Given(parse, o.Lr));
        Change("lr_g", c => c.LrG, (c, v) => c with { LrG = v }, CommonOptions.Given(parse, o.LrG) || CommonOptions.Given(parse, o.Lr));
        Change("lr_d", c => c.LrD, (c, v) => c with { LrD = v }, CommonOptions.Given(parse, o.LrD) || CommonOptions.Given(parse, o.Lr));
        Change("beta1", c => c.Beta1, (c, v) => c with { Beta1 = v }, CommonOptions.Given(parse, o.Beta1));
        Change("beta2", c => c.Beta2, (c, v) => c with { Beta2 = v }, CommonOptions.Given(parse, o.Beta2));
        Change("critic_iters", c => c.CriticIters, (c, v) => c with { CriticIters = v }, CommonOptions.Given(parse, o.CriticIters));
        Change("ortho", c => c.Ortho, (c, v) => c with { Ortho = v }, CommonOptions.Given(parse, o.Ortho));
        Change("accumulate", c => c.Accumulate, (c, v) => c with { Accumulate = v }, CommonOptions.Given(parse, o.Accumulate));
        Change("ema_start", c => c.EmaStart, (c, v) => c with { EmaStart = v }, CommonOptions.Given(parse, o.EmaStart));
        Change("sync_batch_norm", c => c.SyncBatchNorm, (c, v) => c with { SyncBatchNorm = v }, CommonOptions.Given(parse, o.SyncBatchNorm));
        Change("batch_size", c => c.BatchSize, (c, v) => c with { BatchSize = v }, CommonOptions.Given(parse, o.BatchSize));
        Change("eval_every", c => c.EvalEvery, (c, v) => c with { EvalEvery = v }, CommonOptions.Given(parse, o.EvalEvery));
        Change("sample_every", c => c.SampleEvery, (c, v) => c with { SampleEvery = v }, CommonOptions.Given(parse, o.SampleEvery));
        Change("fd_samples", c => c.FdSamples, (c, v) => c with { FdSamples = v }, CommonOptions.Given(parse, o.FdSamples));
        Change("classifier", c => c.Classifier, (c, v) => c with { Classifier = v }, CommonOptions.Given(parse, o.Classifier));
        foreach (var (declared, option) in own)
        {
            if (GivenValue(parse, option) is not { } value) continue;
            var from = saved.Options.GetValueOrDefault(declared.Key, declared.DefaultFor(saved.Kind));
            if (from.GetRawText() == value.GetRawText()) continue;
            if (declared.FixedAtResume)
                throw new UsageException($"The checkpoint {checkpoint} was trained with --{declared.Name} {declared.Format(from)}, not {declared.Format(value)}: " +
                                         "a resumed run keeps the data it learns from and the networks it keeps. Start a new run (another --out, or --force) to change it.");
            config = config with { Options = new Dictionary<string, JsonElement>(config.Options) { [declared.Key] = value } };
            list.Add(new SettingChange(iteration, declared.Key, from, value));
        }
        changes = list;
        return config with { Changes = [.. saved.Changes, .. list] };
    }

    /// <summary>The classifier trained by 'gfs train classifier' for this dataset, if it is where that command puts it.</summary>
    private static string? ExistingClassifier(string dataset) =>
        File.Exists(ClassifierCommand.DefaultPath(dataset)) ? ClassifierCommand.DefaultPath(dataset) : null;

    private static void PrintSummary(RunResult result, TrainConfig config, Variant variant, string outDir, TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        var table = new Table().Title($"{config.Variant} on {config.Dataset}: {(result.Interrupted ? "interrupted" : "done")}");
        table.AddColumns("", "");
        table.AddRow("iterations", $"{result.Iteration} / {config.Iters}");
        table.AddRow("time", $"{result.Seconds:F1} s ({(result.Seconds > 0 ? result.Iteration / result.Seconds : 0):F2} it/s over the run)");
        if (result.LastMetrics is { } m)
        {
            table.AddRow("last evaluation", $"iteration {m["iter"]}");
            foreach (var key in ShownMetrics.Concat(variant.MeasureNames))
                if (m[key] is { } v) table.AddRow(key, TrainingRun.Format(TrainingRun.Number(v)));
        }
        table.AddRow("run folder", Markup.Escape(outDir));
        string pictures = config.Kind == DataKind.Text ? Path.Combine(outDir, TextData.SamplesFolder) : Path.Combine(outDir, TrainingRun.FramesFolder);
        table.AddRow(config.Kind == DataKind.Text ? "samples" : "pictures", Markup.Escape(pictures) + ", " + Markup.Escape(Path.Combine(outDir, TrainingRun.MetricsPlotFile)));
        table.AddRow("checkpoint", Markup.Escape(result.CheckpointPath));
        table.AddRow("memory", $"{Device.Default.PeakLiveBytes / (1024.0 * 1024.0):F1} MiB at most in buffers on {Device.Default.Name}");
        console.Write(table);
    }

    /// <summary>Iterations per second, as Spectre.Console measures the task's speed.</summary>
    private sealed class IterationsPerSecondColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.Speed is { } speed ? $"{speed:F2} it/s" : "— it/s");
    }
}
