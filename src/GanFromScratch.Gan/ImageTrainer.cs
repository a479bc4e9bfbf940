using System.Text.Json.Nodes;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// Trains a GAN of any variant on 28×28 images: the networks of <see cref="ImageNetworks"/>,
/// batches in a seeded order, noise z ∈ ℝ¹²⁸, and the same critic and generator steps as the toy
/// trainer (<see cref="GanSteps"/>). Writes a grid of 64 samples from fixed noise every
/// --sample-every iterations; measures the critic's gradient norm and, given a classifier, the
/// Fréchet distance and classifier score at every evaluation.
/// </summary>
public sealed class ImageTrainer : IGanTrainer
{
    public const string CheckpointFormat = "gfs-image-checkpoint/1";
    private const int GridSamples = 64;

    private readonly RandomStream _noise, _alpha;
    private readonly ImageBatches _batches;
    private readonly ImageDataset? _test;
    private ImageQuality? _quality;

    /// <param name="train">The images to learn.</param>
    /// <param name="test">Real images for the Fréchet distance (the test split); null: no fd.</param>
    public ImageTrainer(TrainConfig config, ImageDataset train, ImageDataset? test = null)
    {
        config.Validate();
        if (!config.IsImages) throw new ArgumentException($"ImageTrainer needs an image dataset, not '{config.Dataset}'.");
        Config = config;
        Variant = GanVariant.Get(config.Variant, config.GLoss);
        Arch = config.Arch ?? ImageNetworks.DefaultFor(Variant);
        (G, D) = ImageNetworks.Create(Arch, config.Dim, Stream(0));
        if (config.BatchSize > train.Count)
            throw new ArgumentException($"--batch-size {config.BatchSize} is larger than the dataset ({train.Count} images).");
        Data = train;
        _test = test;
        _batches = new ImageBatches(train, Config.Seed * 0x9E3779B97F4A7C15UL + 1);
        (_noise, _alpha) = (Stream(2), Stream(3));
        OptG = MakeOptimizer(G);
        OptD = MakeOptimizer(D);
    }

    public TrainConfig Config { get; }
    public GanVariant Variant { get; }
    public string Arch { get; }
    public ImageDataset Data { get; }
    public Module G { get; }
    public Module D { get; }
    public Optimizer OptG { get; }
    public Optimizer OptD { get; }
    public int Iteration { get; private set; }
    public double PriorSeconds { get; private set; }

    /// <summary>The classifier that defines fd and score (null: they are not measured).</summary>
    public FeatureClassifier? Classifier { get; set; }

    private RandomStream Stream(ulong k) => GanSteps.Stream(Config, k);

    private Optimizer MakeOptimizer(Module net) => GanSteps.MakeOptimizer(Variant, Config, net);

    /// <summary>One generator iteration: the critic steps, each on the next real batch and fresh noise, then a generator step.</summary>
    public StepLosses Step()
    {
        int batch = Config.BatchSize;
        var losses = GanSteps.Iteration(this, Iteration + 1,
            steps => _batches.Data.Batch(Enumerable.Range(0, steps).SelectMany(_ => _batches.NextIndices(batch)).ToArray()),
            () => (Tensor.Randn([batch, ImageNetworks.NoiseSize], _noise), Variant.UsesPenalty ? Tensor.Rand([batch, 1, 1, 1], _alpha) : null),
            () => Tensor.Randn([batch, ImageNetworks.NoiseSize], _noise));
        Iteration++;
        return losses;
    }

    /// <summary><paramref name="n"/> images [n, 1, 28, 28] from noise drawn from <paramref name="noise"/>, in evaluation mode (batch norm's running statistics).</summary>
    public Tensor Generate(int n, RandomStream noise)
    {
        G.Eval();
        try
        {
            using (Autograd.NoGrad()) return G.Forward(Tensor.Randn([n, ImageNetworks.NoiseSize], noise));
        }
        finally
        {
            G.Train();
        }
    }

    /// <summary>A grid of 64 samples from the same noise every time, so the pictures show the generator learning.</summary>
    public void AfterStep(string outDir)
    {
        if (Iteration % Config.SampleEvery != 0 && Iteration != Config.Iters) return;
        SaveSampleGrid(TrainingRun.FramePath(outDir, Iteration));
    }

    public void SaveSampleGrid(string path, int n = GridSamples)
    {
        float[] pixels;
        using (TensorScope.Begin()) pixels = Generate(n, Stream(10)).ToArray();
        ImageGrid.Save(path, pixels, n, Data.Height, Data.Width);
    }

    public IReadOnlyList<string> PlottedMetrics => ["fd", "score", "critic_w", "g_loss", "grad_norm"];

    /// <summary>
    /// grad_norm: the critic's mean ‖∇ₓD‖ at interpolates between 64 fixed real and generated
    /// images; fd and score when a classifier is set (see <see cref="ImageQuality"/>).
    /// </summary>
    public JsonObject Evaluate(string outDir)
    {
        var line = new JsonObject();
        using (TensorScope.Begin())
        {
            var real = Data.Batch(0, Math.Min(GridSamples, Data.Count));
            var fake = Generate(real.Shape[0], Stream(10));
            if (!Array.TrueForAll(fake.ToArray(), float.IsFinite)) throw new NonFiniteLossException(Iteration, "generator's output");
            var (_, norm) = GradientPenalty.Compute(D.Forward, real, fake, Tensor.Rand([real.Shape[0], 1, 1, 1], Stream(12)), 0f);
            line["grad_norm"] = TrainingRun.Round(norm.Item());
        }
        if (Classifier is not null && _test is not null)
        {
            _quality ??= new ImageQuality(Classifier, _test, Config.FdSamples);
            var noise = Stream(13);
            var (fd, score) = _quality.Measure((_, n) => Generate(n, noise));
            line["fd"] = TrainingRun.Round(fd);
            line["score"] = TrainingRun.Round(score);
        }
        return line;
    }

    public void SaveCheckpoint(string path, double elapsedSeconds) =>
        Checkpoint.Save(path, CheckpointFormat, this, Iteration, elapsedSeconds,
            ("rng.noise", _noise.Offset), ("rng.alpha", _alpha.Offset),
            ("data.epoch", (ulong)_batches.Epoch), ("data.position", (ulong)_batches.Position));

    public static TrainConfig ReadConfig(string path) => Checkpoint.ReadConfig(path, CheckpointFormat, "image-training");

    /// <summary>True when <paramref name="path"/> is an image-training checkpoint (by its format entry).</summary>
    public static bool IsImageCheckpoint(string path) => Checkpoint.FormatOf(path) == CheckpointFormat;

    /// <summary>Rebuilds a trainer from a checkpoint; <paramref name="overrides"/> may change what does not affect the saved state.</summary>
    public static ImageTrainer Load(string path, ImageDataset train, ImageDataset? test, Func<TrainConfig, TrainConfig>? overrides = null)
    {
        var (tensors, meta) = SafeTensors.Load(path);
        var config = Checkpoint.ReadConfig(path, meta, CheckpointFormat, "image-training");
        if (overrides is not null) config = overrides(config);
        var trainer = new ImageTrainer(config, train, test);
        (trainer.Iteration, trainer.PriorSeconds) = Checkpoint.Restore(path, trainer, tensors, meta, read =>
        {
            trainer._noise.Offset = read("rng.noise");
            trainer._alpha.Offset = read("rng.alpha");
            trainer._batches.Seek(checked((int)read("data.epoch")), checked((int)read("data.position")));
        });
        return trainer;
    }
}
