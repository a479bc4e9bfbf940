using System.Text.Json.Nodes;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Metrics;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>The losses of one generator iteration.</summary>
/// <param name="CriticW">The negated critic loss without the penalty (for the WGANs, the critic's estimate of W1).</param>
/// <param name="CriticLoss">The critic's full loss, penalty included, at its last step.</param>
/// <param name="GLoss">The generator's loss.</param>
/// <param name="Penalty">The gradient penalty at the last critic step (0 without one).</param>
public readonly record struct StepLosses(float CriticW, float CriticLoss, float GLoss, float Penalty);

/// <summary>Measures of the generator at one moment, for <c>metrics.jsonl</c>.</summary>
public sealed record ToyEvaluation(double W1, double GradNorm, int? Modes, double? HighQuality, float[] Generated, float[] Real);

/// <summary>A loss (or the generator's output) became NaN or infinite.</summary>
public sealed class NonFiniteLossException(int iteration, string what)
    : Exception($"The {what} became NaN or infinite at iteration {iteration}; the run is stopped. " +
                "Try a smaller --lr (or, for wgan, a smaller --clip).")
{
    public int Iteration { get; } = iteration;
}

/// <summary>
/// Trains a GAN of any variant on a toy 2-D distribution: the two networks, their optimizers,
/// the random streams, and one generator iteration (<see cref="Step"/>) at a time.
/// Every random number comes from a named stream of the run's seed, so a seed fixes the run,
/// and saving each stream's offset in the checkpoint makes a resumed run continue exactly.
/// </summary>
public sealed class ToyTrainer : IGanTrainer
{
    public const string CheckpointFormat = "gfs-toy-checkpoint/1";

    private readonly RandomStream _data, _noise, _alpha;

    public ToyTrainer(TrainConfig config)
    {
        config.Validate();
        Config = config;
        Variant = GanVariant.Get(config.Variant, config.GLoss);
        Dataset = ToyDataset.Get(config.Dataset);
        var init = Stream(0);
        G = ToyMlp.Generator(config.Dim, init);
        D = ToyMlp.Critic(config.Dim, init);
        (_data, _noise, _alpha) = (Stream(1), Stream(2), Stream(3));
        OptG = MakeOptimizer(G);
        OptD = MakeOptimizer(D);
    }

    public TrainConfig Config { get; }
    public GanVariant Variant { get; }
    public ToyDataset Dataset { get; }
    public ToyMlp G { get; }
    public ToyMlp D { get; }
    Module IGanPlayers.G => G;
    Module IGanPlayers.D => D;
    public Optimizer OptG { get; }
    public Optimizer OptD { get; }

    /// <summary>Generator iterations completed.</summary>
    public int Iteration { get; private set; }

    /// <summary>Seconds of training before this process (from the checkpoint).</summary>
    public double PriorSeconds { get; private set; }

    private RandomStream Stream(ulong k) => GanSteps.Stream(Config, k);

    private Optimizer MakeOptimizer(Module net) => GanSteps.MakeOptimizer(Variant, Config, net);

    /// <summary>
    /// One generator iteration: <see cref="TrainConfig.CriticIters"/> critic steps, each on a
    /// fresh real batch and a fresh generated batch, then one generator step. The random inputs
    /// are drawn here, from the run's streams; the steps themselves are deterministic.
    /// </summary>
    public StepLosses Step()
    {
        int batch = Config.BatchSize;
        // k batches drawn at once are the k batches drawn one after another: each point takes the next three numbers of the data stream.
        var losses = GanSteps.Iteration(this, Iteration + 1,
            steps => Dataset.SampleTensor(steps * batch, _data),
            () => (Tensor.Randn([batch, 2], _noise), Variant.UsesPenalty ? Tensor.Rand([batch, 1], _alpha) : null),
            () => Tensor.Randn([batch, 2], _noise));
        Iteration++;
        return losses;
    }

    /// <summary>One critic step on the given inputs (see <see cref="GanSteps.Critic"/>). Call inside a <see cref="TensorScope"/>.</summary>
    public CriticStepLosses CriticStep(Tensor real, Tensor noise, Tensor? alpha) => GanSteps.Critic(this, real, noise, alpha).Read();

    /// <summary>One generator step (see <see cref="GanSteps.Generator"/>). Call inside a <see cref="TensorScope"/>.</summary>
    public float GeneratorStep(Tensor noise) => GanSteps.Generator(this, noise).Item();

    /// <summary>Generated points for a noise stream (no gradients), as an [n, 2] array.</summary>
    public float[] Generate(int n, RandomStream noise)
    {
        using var scope = TensorScope.Begin();
        using (Autograd.NoGrad()) return G.Forward(Tensor.Randn([n, 2], noise)).ToArray();
    }

    /// <summary>
    /// Measures the generator on fixed samples (the same noise and real points at every
    /// evaluation, from streams of their own, so evaluating does not change the training run):
    /// exact W1 between 1,024 generated and 1,024 real points; for mixtures, modes covered and
    /// the fraction of high-quality samples among 2,500; the critic's mean gradient norm at
    /// interpolates between the two sets.
    /// </summary>
    public ToyEvaluation Evaluate()
    {
        const int n = 1024, forModes = 2500;
        var generated = Generate(forModes, Stream(10));
        if (!Array.TrueForAll(generated, float.IsFinite)) throw new NonFiniteLossException(Iteration, "generator's output");
        var real = Dataset.Sample(n, Stream(11));
        var fake = generated[..(2 * n)];
        double w1 = ToyMetrics.Wasserstein1(fake, real);
        int? modes = null;
        double? hq = null;
        if (Dataset.Centres is { } centres)
        {
            var (m, h) = ToyMetrics.Modes(generated, centres, Dataset.ComponentStd);
            (modes, hq) = (m, h);
        }
        double gradNorm;
        using (TensorScope.Begin())
        {
            var (_, norm) = GradientPenalty.Compute(D.Forward, Tensor.FromArray(real, n, 2), Tensor.FromArray(fake, n, 2),
                Tensor.Rand([n, 1], Stream(12)), 0f);
            gradNorm = norm.Item();
        }
        return new ToyEvaluation(w1, gradNorm, modes, hq, fake, real);
    }

    /// <summary>Toy runs draw their frames at evaluations, with the measures in the title.</summary>
    public void AfterStep(string outDir) { }

    public IReadOnlyList<string> PlottedMetrics => ["w1", "hq", "modes", "critic_w", "g_loss", "grad_norm"];

    private const float PictureRange = 3f;

    /// <summary>Measures the generator (<see cref="Evaluate()"/>) and draws a frame: critic contours, real and generated points.</summary>
    public JsonObject Evaluate(string outDir)
    {
        var eval = Evaluate();
        var line = new JsonObject { ["grad_norm"] = TrainingRun.Round(eval.GradNorm) };
        if (eval.Modes is { } modes) line["modes"] = modes;
        if (eval.HighQuality is { } hq) line["hq"] = TrainingRun.Round(hq);
        line["w1"] = TrainingRun.Round(eval.W1);
        ToyFrame.Save(TrainingRun.FramePath(outDir, Iteration), CriticMap(64, PictureRange), PictureRange, eval.Real, eval.Generated,
            $"{Config.Variant} · {Config.Dataset} · iteration {Iteration} · W1 {eval.W1:F3}");
        return line;
    }

    /// <summary>Coordinate <paramref name="index"/> of <paramref name="points"/> evenly spaced over [−range, range].</summary>
    public static float GridCoordinate(int index, int points, float range) => -range + 2 * range * index / (points - 1);

    /// <summary>The critic's score on a grid over [−range, range]², row j = y, column i = x (see <see cref="GridCoordinate"/>).</summary>
    public float[,] CriticMap(int points, float range)
    {
        var grid = new float[2 * points * points];
        for (int j = 0; j < points; j++)
            for (int i = 0; i < points; i++)
            {
                grid[2 * (j * points + i)] = GridCoordinate(i, points, range);
                grid[2 * (j * points + i) + 1] = GridCoordinate(j, points, range);
            }
        float[] scores;
        using (TensorScope.Begin())
        using (Autograd.NoGrad())
            scores = D.Forward(Tensor.FromArray(grid, points * points, 2)).ToArray();
        var map = new float[points, points];
        for (int j = 0; j < points; j++)
            for (int i = 0; i < points; i++) map[j, i] = scores[j * points + i];
        return map;
    }

    // ---- checkpoints --------------------------------------------------------------------------

    /// <summary>
    /// Saves everything needed to continue: both networks, both optimizers' state and step
    /// counts, the random streams' offsets, the configuration and the iteration. The generator's
    /// weights are under "generator." with PyTorch's names (strip the prefix to load them into
    /// gan_toy.py's Generator).
    /// </summary>
    public void SaveCheckpoint(string path, double elapsedSeconds) =>
        Checkpoint.Save(path, CheckpointFormat, this, Iteration, elapsedSeconds,
            ("rng.data", _data.Offset), ("rng.noise", _noise.Offset), ("rng.alpha", _alpha.Offset));

    /// <summary>Reads only the configuration of a checkpoint (to check it against the command line before loading).</summary>
    public static TrainConfig ReadConfig(string path) => Checkpoint.ReadConfig(path, CheckpointFormat, "toy-training");

    /// <summary>
    /// Rebuilds a trainer from a checkpoint. <paramref name="overrides"/> may change settings
    /// that do not affect what was saved (iterations, evaluation interval); everything else
    /// comes from the file. A malformed or mismatched file is refused before anything changes.
    /// </summary>
    public static ToyTrainer Load(string path, Func<TrainConfig, TrainConfig>? overrides = null)
    {
        var (tensors, meta) = SafeTensors.Load(path);
        var config = Checkpoint.ReadConfig(path, meta, CheckpointFormat, "toy-training");
        if (overrides is not null) config = overrides(config);
        var trainer = new ToyTrainer(config);
        (trainer.Iteration, trainer.PriorSeconds) = Checkpoint.Restore(path, trainer, tensors, meta, read =>
        {
            trainer._data.Offset = read("rng.data");
            trainer._noise.Offset = read("rng.noise");
            trainer._alpha.Offset = read("rng.alpha");
        });
        return trainer;
    }
}
