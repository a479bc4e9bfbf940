using System.Globalization;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;
using GanFromScratch.Gan.Metrics;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// A small convolutional classifier for 28×28 images. Its penultimate layer (128 features)
/// plays the part Inception's pool features play in FID: the Fréchet distance between the
/// features of real and generated images measures how alike the two sets look to a network
/// that knows the classes.
/// </summary>
public sealed class FeatureClassifier : Module
{
    public const string CheckpointFormat = "gfs-classifier/1";
    public const int FeatureSize = 128, ClassCount = 10;

    public FeatureClassifier(RandomStream init)
    {
        Features = RegisterModule("features", new Sequential(
            new Conv2d(1, 32, 3, init, padding: 1), new Relu(), new MaxPool(2),    // 32 × 14 × 14
            new Conv2d(32, 64, 3, init, padding: 1), new Relu(), new MaxPool(2),   // 64 × 7 × 7
            new Flatten(), new Linear(64 * 7 * 7, FeatureSize, init), new Relu()));
        Head = RegisterModule("head", new Linear(FeatureSize, ClassCount, init));
    }

    public Sequential Features { get; }
    public Linear Head { get; }

    public override Tensor Forward(Tensor x) => Head.Forward(Features.Forward(x));

    /// <summary>
    /// Trains on <paramref name="train"/> with Adam (batch 64), the learning rate 1e-3 halved
    /// after every epoch, for <paramref name="epochs"/> epochs; reports progress per 100 batches.
    /// </summary>
    public void Fit(ImageDataset train, int epochs, ulong seed, Action<int, int, float>? progress = null, CancellationToken cancel = default)
    {
        const int batch = 64;
        var adam = new Adam(NamedParameters(), 1e-3f);
        var batches = new ImageBatches(train, seed);
        int perEpoch = train.Count / batch, total = epochs * perEpoch;
        Train();
        for (int step = 1; step <= total && !cancel.IsCancellationRequested; step++)
        {
            using var scope = TensorScope.Begin();
            adam.LearningRate = 1e-3f * MathF.Pow(0.5f, (step - 1) / perEpoch);
            var (images, labels) = batches.Next(batch);
            var loss = Tensor.CrossEntropy(Forward(images), labels.Select(l => (int)l).ToArray());
            loss.Backward();
            adam.Step();
            ZeroGrad();
            if (step % 100 == 0 || step == total) progress?.Invoke(step, total, loss.Item());
        }
        Eval();
    }

    /// <summary>The fraction of <paramref name="data"/> classified correctly (the most probable class is the label).</summary>
    public double Accuracy(ImageDataset data)
    {
        var (_, probabilities) = Describe(data.Count, (start, n) => data.Batch(start, n));
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
            if (ArgMax(probabilities.AsSpan(i * ClassCount, ClassCount)) == data.Labels[i]) correct++;
        return (double)correct / data.Count;
    }

    /// <summary>The index of the largest value (the first, on ties).</summary>
    /// <summary>The index of the largest entry of a row of class probabilities.</summary>
    public static int MostProbable(ReadOnlySpan<float> row) => ArgMax(row);

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>
    /// Features [n, 128] and class probabilities [n, 10] of <paramref name="n"/> images, which
    /// <paramref name="images"/>(start, count) produces batch by batch, in evaluation mode.
    /// </summary>
    public (float[] Features, float[] Probabilities) Describe(int n, Func<int, int, Tensor> images, int batch = 500)
    {
        Eval();
        var features = new float[n * FeatureSize];
        var probabilities = new float[n * ClassCount];
        for (int start = 0; start < n; start += batch)
        {
            int count = Math.Min(batch, n - start);
            using var scope = TensorScope.Begin();
            using var _ = Autograd.NoGrad();
            var f = Features.Forward(images(start, count));
            f.ToArray().CopyTo(features, start * FeatureSize);
            Head.Forward(f).Softmax(1).ToArray().CopyTo(probabilities, start * ClassCount);
        }
        return (features, probabilities);
    }

    public void Save(string path, string dataset, double testAccuracy) => SafeTensors.Save(path, NamedState(), new Dictionary<string, string>
    {
        ["format"] = CheckpointFormat,
        ["dataset"] = dataset,
        ["test_accuracy"] = testAccuracy.ToString("R", CultureInfo.InvariantCulture),
    });

    /// <summary>Loads a classifier saved by <c>gfs train classifier</c>; also gives its dataset and test accuracy.</summary>
    /// <param name="dataset">The dataset it is wanted for: a missing file's message says how to train one for it.</param>
    public static (FeatureClassifier Model, string Dataset, double TestAccuracy) Load(string path, string dataset = "fashion-mnist")
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"There is no classifier at {path}. Train one first: gfs train classifier --dataset {dataset}" +
                                            (dataset == "mnist" ? " --data DIR" : ""), path);
        var (tensors, meta) = SafeTensors.Load(path);
        if (!meta.TryGetValue("format", out var format) || format != CheckpointFormat)
            throw new InvalidDataException($"{path} is not a gfs classifier (format '{format ?? "none"}', expected '{CheckpointFormat}').");
        var model = new FeatureClassifier(new RandomStream(0));
        model.LoadStateDict(tensors);
        model.Eval();
        return (model, meta.GetValueOrDefault("dataset", "?"),
            double.TryParse(meta.GetValueOrDefault("test_accuracy"), CultureInfo.InvariantCulture, out var acc) ? acc : double.NaN);
    }
}

/// <summary>What <see cref="ImageQuality"/> measures of a set of images.</summary>
/// <param name="ClassAccuracy">For a conditional generator: the fraction of images the classifier assigns to the class they were made for.</param>
public readonly record struct ImageMeasures(double Fd, double Score, double? ClassAccuracy = null);

/// <summary>
/// Fréchet distance and classifier score of a generator against real images, in the features
/// of a <see cref="FeatureClassifier"/>, and for a conditional generator the class accuracy. The
/// real statistics are computed once.
/// </summary>
public sealed class ImageQuality(FeatureClassifier classifier, ImageDataset real, int samples)
{
    private GaussianStatistics? _real;

    public int Samples { get; } = Math.Min(samples, real.Count);

    /// <summary>
    /// FD and the classifier score of <see cref="Samples"/> images, made batch by batch by
    /// <paramref name="generate"/>(start, count); with <paramref name="labels"/> (the class each
    /// image was made for), also the class accuracy.
    /// </summary>
    public ImageMeasures Measure(Func<int, int, Tensor> generate, int[]? labels = null)
    {
        if (labels is not null && labels.Length < Samples) throw new ArgumentException($"{labels.Length} labels for {Samples} images.");
        _real ??= GaussianStatistics.Of(
            classifier.Describe(Samples, (start, n) => real.Batch(start, n)).Features, Samples, FeatureClassifier.FeatureSize);
        var (features, probabilities) = classifier.Describe(Samples, generate, batch: 250);
        var fake = GaussianStatistics.Of(features, Samples, FeatureClassifier.FeatureSize);
        double? accuracy = labels is null ? null : ClassAccuracy(probabilities, labels, Samples);
        return new(Frechet.Distance(_real, fake), ClassifierScore.Compute(probabilities, Samples, FeatureClassifier.ClassCount), accuracy);
    }

    /// <summary>The fraction of the first <paramref name="n"/> rows whose most probable class is their label.</summary>
    public static double ClassAccuracy(float[] probabilities, int[] labels, int n)
    {
        int hits = 0;
        for (int i = 0; i < n; i++)
            if (FeatureClassifier.MostProbable(probabilities.AsSpan(i * FeatureClassifier.ClassCount, FeatureClassifier.ClassCount)) == labels[i]) hits++;
        return n == 0 ? 0 : (double)hits / n;
    }
}
