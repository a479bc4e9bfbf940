using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Metrics;

/// <summary>
/// How much a representation (an encoder's features, or the raw samples) knows of the classes:
/// the accuracy of a 1-nearest-neighbour classifier and of a linear probe (logistic regression)
/// trained on labelled features and tested on others. Features are rows of a float array,
/// <c>features</c> numbers each.
/// </summary>
public static class Representation
{
    /// <summary>
    /// The fraction of <paramref name="queries"/> whose nearest reference row (Euclidean; the first
    /// on a tie) has the query's label. The squared distances ‖q‖² − 2q·r + ‖r‖² are formed as one
    /// matrix product per block of queries (‖q‖² left out: it does not change which r is nearest).
    /// </summary>
    public static double NearestNeighbourAccuracy(float[] reference, int[] referenceLabels, float[] queries, int[] queryLabels, int features)
    {
        int r = Rows(reference, referenceLabels, features), q = Rows(queries, queryLabels, features);
        if (r == 0 || q == 0) return 0;
        const int Block = 1000;
        int hits = 0;
        using var scope = TensorScope.Begin();
        var refs = Tensor.FromArray(reference, r, features);
        var norms = refs.Square().Sum([1]).Reshape(1, r);
        for (int start = 0; start < q; start += Block)
        {
            using var block = TensorScope.Begin();
            int count = Math.Min(Block, q - start);
            var rows = Tensor.FromArray(queries.AsSpan(start * features, count * features).ToArray(), count, features);
            var distances = (norms - 2f * Tensor.MatMulT(rows, refs, false, true)).ToArray();
            for (int i = 0; i < count; i++)
            {
                var row = distances.AsSpan(i * r, r);
                int nearest = 0;
                for (int j = 1; j < r; j++) if (row[j] < row[nearest]) nearest = j;
                if (referenceLabels[nearest] == queryLabels[start + i]) hits++;
            }
        }
        return (double)hits / q;
    }

    /// <summary>
    /// The test accuracy of a linear probe: logistic regression (a linear layer to
    /// <paramref name="classes"/> logits, softmax cross-entropy) fitted on the training rows —
    /// standardised by their own per-feature mean and deviation, the same transform applied to the
    /// test rows — by <paramref name="steps"/> full-batch Adam steps of rate 0.01 from zero weights.
    /// The fit is convex, so the weights' start does not matter, and the same rows give the same probe.
    /// </summary>
    public static double ProbeAccuracy(float[] train, int[] trainLabels, float[] test, int[] testLabels, int features, int classes, int steps = 300)
    {
        int n = Rows(train, trainLabels, features), m = Rows(test, testLabels, features);
        if (n == 0 || m == 0) return 0;
        var (mean, scale) = Standardisation(train, n, features);
        using var scope = TensorScope.Begin();
        var probe = new Linear(features, classes, new RandomStream(0));
        Init.Zeros(probe.Weight);
        Init.Zeros(probe.Bias!);
        var adam = new Adam(probe.NamedParameters(), 0.01f, 0.9f, 0.999f);
        var x = Standardise(Tensor.FromArray(train, n, features), mean, scale);
        var y = Tensor.FromArray([.. trainLabels.Select(l => (float)l)], n);
        for (int step = 0; step < steps; step++)
        {
            using var _ = TensorScope.Begin();
            Tensor.CrossEntropy(probe.Forward(x), y).Backward();
            adam.Step();
            adam.ZeroGrad();
        }
        float[] logits;
        using (Autograd.NoGrad()) logits = probe.Forward(Standardise(Tensor.FromArray(test, m, features), mean, scale)).ToArray();
        int hits = 0;
        for (int i = 0; i < m; i++)
            if (FeatureClassifier.MostProbable(logits.AsSpan(i * classes, classes)) == testLabels[i]) hits++;
        return (double)hits / m;
    }

    /// <summary>
    /// The mean distance ‖x − G(E(x))‖ of samples to their reconstructions over the mean distance
    /// from a reconstruction to another sample (sample i + 1's, cyclically — the reference's
    /// "random pairs"): below 1, reconstructions are nearer their own sample than chance.
    /// </summary>
    public static double ReconstructionRatio(float[] samples, float[] reconstructions, int perSample)
    {
        if (samples.Length != reconstructions.Length || samples.Length % perSample != 0)
            throw new ArgumentException($"{samples.Length} sample values and {reconstructions.Length} reconstructed ones are not rows of {perSample}.");
        int n = samples.Length / perSample;
        if (n < 2) throw new ArgumentException("A reconstruction ratio needs at least two samples.");
        double own = 0, other = 0;
        for (int i = 0; i < n; i++)
        {
            own += Distance(samples.AsSpan(i * perSample, perSample), reconstructions.AsSpan(i * perSample, perSample));
            other += Distance(samples.AsSpan((i + 1) % n * perSample, perSample), reconstructions.AsSpan(i * perSample, perSample));
        }
        return own / other;
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)(a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(sum);
    }

    private static int Rows(float[] values, int[] labels, int features)
    {
        if (features < 1 || values.Length != labels.Length * features)
            throw new ArgumentException($"{values.Length} feature values are not {labels.Length} rows of {features}.");
        return labels.Length;
    }

    /// <summary>Per-feature mean and 1 / deviation of the rows (a constant feature keeps scale 1).</summary>
    private static (float[] Mean, float[] Scale) Standardisation(float[] rows, int n, int features)
    {
        var mean = new double[features];
        var square = new double[features];
        for (int i = 0; i < n; i++)
            for (int f = 0; f < features; f++)
            {
                double v = rows[i * features + f];
                mean[f] += v;
                square[f] += v * v;
            }
        var m = new float[features];
        var s = new float[features];
        for (int f = 0; f < features; f++)
        {
            mean[f] /= n;
            double deviation = Math.Sqrt(Math.Max(0, square[f] / n - mean[f] * mean[f]));
            m[f] = (float)mean[f];
            s[f] = deviation > 1e-6 ? (float)(1 / deviation) : 1f;
        }
        return (m, s);
    }

    private static Tensor Standardise(Tensor x, float[] mean, float[] scale) =>
        (x - Tensor.FromArray(mean, 1, mean.Length)) * Tensor.FromArray(scale, 1, scale.Length);
}
