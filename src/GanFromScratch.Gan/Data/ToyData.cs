using System.Text.Json.Nodes;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Metrics;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// Toy 2-D data as gan_toy.py trains on it: points drawn on the host from the run's data stream
/// (stream 1 of the seed; a checkpoint saves its offset), measured at each evaluation by W1, mode
/// coverage and the critic's gradient norm, and pictured as the critic's contours with real and
/// generated points.
/// </summary>
public sealed class ToyData : IGanData
{
    private readonly RandomStream _stream;
    private readonly TrainConfig _config;

    public ToyData(TrainConfig config)
    {
        _config = config;
        Dataset = ToyDataset.Get(config.Dataset);
        Shape = DataShape.Of(config);
        _stream = config.Stream(1);
    }

    public ToyDataset Dataset { get; }
    public DataShape Shape { get; }

    /// <summary>Points of the real and the generated sets that w1 compares at each evaluation.</summary>
    public const int W1Points = 1024;

    private double? _w1Floor;

    /// <summary>
    /// What w1 reads for a perfect generator: the exact W1 between the evaluations' real points and a
    /// second, independent draw of as many (stream 24) — the measure's own sampling floor, above 0 (the
    /// text runs' js floor's analogue). For a conditional generator, whose points come in equal shares
    /// of the labels, the floor is somewhat lower. Printed at the start and logged as w1_floor at the
    /// first evaluation.
    /// </summary>
    public double W1Floor => _w1Floor ??= ToyMetrics.Wasserstein1(Dataset.Sample(W1Points, _config.Stream(24)), Dataset.Sample(W1Points, _config.Stream(11)));

    public (Tensor Samples, Tensor? Labels) NextReal(int count, bool withLabels)
    {
        // k batches drawn at once are the k batches drawn one after another: each point takes the next three numbers of the stream.
        var points = Dataset.Sample(count, _stream, out var labels);
        return (Tensor.FromArray(points, count, 2), withLabels ? Labels(labels) : null);
    }

    /// <summary>Class indices as the float tensor [n] that batches carry.</summary>
    public static Tensor Labels(int[] labels) => Tensor.FromArray(labels.Select(l => (float)l).ToArray(), labels.Length);

    public IEnumerable<(string Key, ulong Value)> Positions() => [("rng.data", _stream.Offset)];

    public (Tensor Samples, Tensor Labels) NextLabelled(int count) =>
        throw new NotSupportedException("Toy data has no labelled subset: the semi-supervised variants train on images.");

    public void Restore(Func<string, ulong> read) => _stream.Offset = read("rng.data");

    /// <summary>Fixed points of the mixture (stream 15 of the seed; stream 17 for the "training" draw) with the components they were drawn from.</summary>
    public (Tensor Samples, int[] Labels)? Labelled(int n, bool train = false)
    {
        if (Shape.Classes == 0) return null;
        var points = Dataset.Sample(n, _config.Stream(train ? 17UL : 15UL), out var labels);
        return (Tensor.FromArray(points, n, 2), labels);
    }

    /// <summary>Toy runs draw their frames at evaluations, with the measures in the title.</summary>
    public void AfterStep(Trainer trainer, string outDir) { }

    public IReadOnlyList<string> PlottedMetrics => ["w1", "w1_raw", "hq", "modes", "class_acc", "critic_w", "critic_loss", "g_loss", "grad_norm"];

    /// <summary>The measures of one evaluation and the points they were taken on.</summary>
    public sealed record Evaluation(double W1, double GradNorm, int? Modes, double? HighQuality, double? ClassAccuracy,
        float[] Generated, int[]? GeneratedLabels, float[] Real);

    /// <summary>
    /// Measures the generator on fixed samples (the same noise and real points at every evaluation,
    /// from streams of their own, so that evaluating does not change the training run): exact W1
    /// between 1,024 generated and 1,024 real points; for mixtures, modes covered and the fraction
    /// of high-quality samples among 2,500; the critic's mean gradient norm at interpolates between
    /// the two sets. A conditional generator is asked for every label in turn, and class_acc is
    /// the fraction of its points within 3σ of their own label's centre.
    /// </summary>
    public Evaluation Measure(Trainer trainer)
    {
        const int n = W1Points, forModes = 2500;
        var config = trainer.Config;
        int[]? labels = trainer.BalancedLabels(forModes);
        float[] generated;
        using (TensorScope.Begin()) generated = trainer.Generate(forModes, config.Stream(10), labels is null ? null : Labels(labels)).ToArray();
        if (!Array.TrueForAll(generated, float.IsFinite)) throw Trainer.Diverged(trainer.Iteration, "generator's output");
        var real = Dataset.Sample(n, config.Stream(11));
        var fake = generated[..(2 * n)];
        double w1 = ToyMetrics.Wasserstein1(fake, real);
        int? modes = null;
        double? hq = null, classAccuracy = null;
        if (Dataset.Centres is { } centres)
        {
            var (m, h) = ToyMetrics.Modes(generated, centres, Dataset.ComponentStd);
            (modes, hq) = (m, h);
            if (labels is not null) classAccuracy = ToyMetrics.ClassAccuracy(generated, labels, centres, Dataset.ComponentStd);
        }
        double gradNorm;
        using (TensorScope.Begin())
        {
            var criticLabels = labels is null ? null : Labels(labels[..n]);
            var (_, norm) = GradientPenalty.Compute(x => trainer.CriticScore(x, criticLabels), Tensor.FromArray(real, n, 2), Tensor.FromArray(fake, n, 2),
                Tensor.Rand([n, 1], config.Stream(12)), 0f);
            gradNorm = norm.Item();
        }
        return new Evaluation(w1, gradNorm, modes, hq, classAccuracy, fake, labels?[..n], real);
    }

    /// <summary>W1 of the learning generator where samples come from its moving average: the same noise and real points as <see cref="Measure"/>'s.</summary>
    private double RawW1(Trainer trainer)
    {
        const int n = 1024;
        int[]? labels = trainer.BalancedLabels(n);
        float[] generated;
        using (TensorScope.Begin()) generated = trainer.Generate(n, trainer.Config.Stream(10), labels is null ? null : Labels(labels), raw: true).ToArray();
        return ToyMetrics.Wasserstein1(generated, Dataset.Sample(n, trainer.Config.Stream(11)));
    }

    private const float PictureRange = 3f;

    /// <summary>Measures the generator (<see cref="Measure"/>) and draws a frame: critic contours, real and generated points.</summary>
    public JsonObject Evaluate(Trainer trainer, string outDir)
    {
        var eval = Measure(trainer);
        var line = new JsonObject { ["grad_norm"] = TrainingRun.Round(eval.GradNorm) };
        if (trainer.HasMovingAverage) line["w1_raw"] = TrainingRun.Round(RawW1(trainer));
        if (eval.Modes is { } modes) line["modes"] = modes;
        if (eval.HighQuality is { } hq) line["hq"] = TrainingRun.Round(hq);
        if (eval.ClassAccuracy is { } accuracy) line["class_acc"] = TrainingRun.Round(accuracy);
        line["w1"] = TrainingRun.Round(eval.W1);
        if (trainer.Iteration <= trainer.Config.EvalEvery) line["w1_floor"] = TrainingRun.Round(W1Floor);
        var config = trainer.Config;
        ToyFrame.Save(TrainingRun.FramePath(outDir, trainer.Iteration), CriticMap(trainer, 64, PictureRange), PictureRange, eval.Real, eval.Generated,
            eval.GeneratedLabels, $"{config.Variant} · {config.Dataset} · iteration {trainer.Iteration} · W1 {eval.W1:F3}");
        return line;
    }

    /// <summary>Coordinate <paramref name="index"/> of <paramref name="points"/> evenly spaced over [−range, range].</summary>
    public static float GridCoordinate(int index, int points, float range) => -range + 2 * range * index / (points - 1);

    /// <summary>
    /// The critic's score on a grid over [−range, range]², row j = y, column i = x (see
    /// <see cref="GridCoordinate"/>); for a conditional critic, the mean of its scores over the labels.
    /// </summary>
    public float[,] CriticMap(Trainer trainer, int points, float range)
    {
        var grid = new float[2 * points * points];
        for (int j = 0; j < points; j++)
            for (int i = 0; i < points; i++)
            {
                grid[2 * (j * points + i)] = GridCoordinate(i, points, range);
                grid[2 * (j * points + i) + 1] = GridCoordinate(j, points, range);
            }
        int classes = trainer.Variant.NeedsLabels ? Shape.Classes : 1;
        var scores = new float[points * points];
        using (TensorScope.Begin())
        using (Autograd.NoGrad())
        {
            var x = Tensor.FromArray(grid, points * points, 2);
            for (int c = 0; c < classes; c++)
            {
                var labels = trainer.Variant.NeedsLabels ? Labels([.. Enumerable.Repeat(c, points * points)]) : null;
                var s = trainer.CriticScore(x, labels).ToArray();
                for (int k = 0; k < s.Length; k++) scores[k] += classes == 1 ? s[k] : s[k] / classes;
            }
        }
        var map = new float[points, points];
        for (int j = 0; j < points; j++)
            for (int i = 0; i < points; i++) map[j, i] = scores[j * points + i];
        return map;
    }
}
