using System.Text.Json.Nodes;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Artifacts;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// 28×28 images as gan_mnist.py trains on them: batches of the training images in a seeded order
/// (reshuffled every epoch; a checkpoint saves the epoch and the position), a grid of 64 samples
/// from fixed noise every --sample-every iterations, and at each evaluation the critic's gradient
/// norm and, given a classifier, the Fréchet distance and classifier score against the test images.
/// </summary>
public sealed class ImageData : IGanData
{
    private const int GridSamples = 64;
    private readonly ImageBatches? _batches, _labelled;
    private readonly TrainConfig _config;
    private ImageQuality? _quality;

    /// <param name="train">The images to learn (null: a generator is only sampled, and no batches are drawn).</param>
    /// <param name="test">Real images for the Fréchet distance (the test split); null: no fd.</param>
    /// <param name="classifier">The classifier whose features define fd and score; null: they are not measured.</param>
    public ImageData(TrainConfig config, ImageDataset? train, ImageDataset? test = null, FeatureClassifier? classifier = null)
    {
        _config = config;
        Shape = DataShape.Of(config);
        foreach (var set in new[] { train, test })
            if (set is not null && (set.Height != Shape.Sample[1] || set.Width != Shape.Sample[2]))
                throw new ArgumentException($"{set.Name}: the images are {set.Height}×{set.Width}; gfs's image networks take " +
                                            $"{Shape.Sample[1]}×{Shape.Sample[2]} (as MNIST and Fashion-MNIST).");
        if (train is not null && config.BatchSize > train.Count)
            throw new ArgumentException($"--batch-size {config.BatchSize} is larger than the dataset ({train.Count} images).");
        Train = train;
        Test = test;
        Classifier = classifier;
        if (train is not null) _batches = new ImageBatches(train, config.Seed * 0x9E3779B97F4A7C15UL + 1, config.DataOrder);
        if (train is not null && config.Rules.LabelsPerClass(config) > 0) _labelled = LabelledBatches(config, train);
    }

    /// <summary>
    /// Batches of the run's labelled subset: <see cref="Variant.LabelsPerClass"/> training images of
    /// each class (<see cref="ImageDataset.BalancedSubset"/>, stream 19 of the seed), reshuffled
    /// every pass (stream 20). The same for the semi-supervised GAN and for its supervised baseline.
    /// </summary>
    public static ImageBatches LabelledBatches(TrainConfig config, ImageDataset train)
    {
        int perClass = config.Rules.LabelsPerClass(config);
        var indices = train.BalancedSubset(perClass, config.Stream(19).Seed);
        if (indices.Length < config.BatchSize)
            throw new ArgumentException($"--labels-per-class {perClass} gives {indices.Length} labelled images, fewer than a batch (--batch-size " +
                                        $"{config.BatchSize}); give more labels per class or a smaller batch.");
        return new ImageBatches(train.Subset(indices, $"{train.Name} ({perClass} labelled per class)"), config.Stream(20).Seed, config.DataOrder);
    }

    public DataShape Shape { get; }
    public ImageDataset? Train { get; }
    public ImageDataset? Test { get; }
    public FeatureClassifier? Classifier { get; }

    private ImageBatches Batches => _batches ?? throw new InvalidOperationException("No training images were loaded: this run can only be sampled.");

    /// <summary>The next count / batch-size batches, each drawn as its own (an epoch ends where the next batch no longer fits).</summary>
    public (Tensor Samples, Tensor? Labels) NextReal(int count, bool withLabels) => Next(Batches, count, withLabels);

    public (Tensor Samples, Tensor Labels) NextLabelled(int count)
    {
        var labelled = _labelled ?? throw new InvalidOperationException("This run has no labelled subset (its variant asks for none).");
        var (images, labels) = Next(labelled, count, withLabels: true);
        return (images, labels!);
    }

    /// <summary>The next count / batch-size batches of <paramref name="batches"/>, each drawn as its own, with their labels if asked.</summary>
    private (Tensor Samples, Tensor? Labels) Next(ImageBatches batches, int count, bool withLabels)
    {
        int batch = _config.BatchSize;
        if (count % batch != 0) throw new ArgumentException($"{count} images are not whole batches of {batch}.");
        var indices = Enumerable.Range(0, count / batch).SelectMany(_ => batches.NextIndices(batch)).ToArray();
        var images = batches.Data.Batch(indices);
        return (images, withLabels ? Tensor.FromArray(indices.Select(i => (float)batches.Data.Labels[i]).ToArray(), indices.Length) : null);
    }

    public IEnumerable<(string Key, ulong Value)> Positions() =>
        [("data.epoch", (ulong)(_batches?.Epoch ?? 0)), ("data.position", (ulong)(_batches?.Position ?? 0)),
         .. _labelled is null ? [] : new[] { ("data.labelled_epoch", (ulong)_labelled.Epoch), ("data.labelled_position", (ulong)_labelled.Position) }];

    public void Restore(Func<string, ulong> read)
    {
        int epoch = checked((int)read("data.epoch")), position = checked((int)read("data.position"));
        _batches?.Seek(epoch, position);
        if (_labelled is not null) _labelled.Seek(checked((int)read("data.labelled_epoch")), checked((int)read("data.labelled_position")));
    }

    /// <summary>A grid of 64 samples from the same noise every time, so the pictures show the generator learning.</summary>
    public void AfterStep(Trainer trainer, string outDir)
    {
        if (trainer.Iteration % _config.SampleEvery != 0 && trainer.Iteration != _config.Iters) return;
        SaveSampleGrid(trainer, TrainingRun.FramePath(outDir, trainer.Iteration));
    }

    /// <summary>
    /// The picture of the generator at one moment: 64 samples from the same noise every time, 8 per
    /// row; for a conditional generator 8 samples of each class, one class per row.
    /// </summary>
    public void SaveSampleGrid(Trainer trainer, string path)
    {
        bool conditional = trainer.Variant.NeedsLabels;
        int n = conditional ? GridColumns * Shape.Classes : GridSamples;
        var labels = conditional ? ToyData.Labels([.. Enumerable.Range(0, n).Select(i => i / GridColumns)]) : null;
        float[] pixels;
        using (TensorScope.Begin()) pixels = trainer.Generate(n, trainer.Config.Stream(10), labels).ToArray();
        ImageGrid.Save(path, pixels, n, Shape.Sample[1], Shape.Sample[2], GridColumns);
    }

    private const int GridColumns = 8;

    /// <summary>
    /// fd and score of as many generated images as <paramref name="quality"/> takes, drawn from the
    /// run's evaluation noise (its stream 13: every evaluation of the run, and <c>gfs eval</c> of its
    /// checkpoint, see the same z); a conditional generator is asked for every class in turn, and its
    /// class accuracy measured too.
    /// </summary>
    public ImageMeasures Measure(Trainer trainer, ImageQuality quality, bool raw = false, float? truncation = null)
    {
        var noise = trainer.Config.Stream(13);
        var labels = trainer.BalancedLabels(quality.Samples);
        return quality.Measure((start, k) => trainer.Generate(k, noise, labels is null ? null : ToyData.Labels(labels[start..(start + k)]), raw: raw,
            truncation: truncation), labels);
    }

    /// <summary>The first n test (or training) images with their classes (null when that split was not loaded).</summary>
    public (Tensor Samples, int[] Labels)? Labelled(int n, bool train = false)
    {
        if ((train ? Train : Test) is not { } split) return null;
        n = Math.Min(n, split.Count);
        return (split.Batch(0, n), [.. split.Labels[..n].Select(l => (int)l)]);
    }

    public IReadOnlyList<string> PlottedMetrics => ["fd", "fd_raw", "score", "class_acc", "critic_w", "critic_loss", "g_loss", "grad_norm"];

    /// <summary>
    /// grad_norm: the critic's mean ‖∇ₓD‖ at interpolates between 64 fixed real and generated
    /// images; fd and score when a classifier is set (see <see cref="ImageQuality"/>).
    /// </summary>
    public JsonObject Evaluate(Trainer trainer, string outDir)
    {
        var line = new JsonObject();
        var real64 = Train ?? throw new InvalidOperationException("No training images were loaded.");
        using (TensorScope.Begin())
        {
            var real = real64.Batch(0, Math.Min(GridSamples, real64.Count));
            int n = real.Shape[0];
            var labels = trainer.BalancedLabels(n) is { } l ? ToyData.Labels(l) : null;
            var fake = trainer.Generate(n, trainer.Config.Stream(10), labels);
            if (!Array.TrueForAll(fake.ToArray(), float.IsFinite)) throw Trainer.Diverged(trainer.Iteration, "generator's output");
            var (_, norm) = GradientPenalty.Compute(x => trainer.CriticScore(x, labels), real, fake, Tensor.Rand([n, 1, 1, 1], trainer.Config.Stream(12)), 0f);
            line["grad_norm"] = TrainingRun.Round(norm.Item());
        }
        if (Classifier is not null && Test is not null)
        {
            _quality ??= new ImageQuality(Classifier, Test, _config.FdSamples);
            var m = Measure(trainer, _quality);
            line["fd"] = TrainingRun.Round(m.Fd);
            line["score"] = TrainingRun.Round(m.Score);
            if (m.ClassAccuracy is { } accuracy) line["class_acc"] = TrainingRun.Round(accuracy);
            if (trainer.HasMovingAverage) // the learning generator, beside its moving average
                line["fd_raw"] = TrainingRun.Round(Measure(trainer, _quality, raw: true).Fd);
        }
        return line;
    }
}
