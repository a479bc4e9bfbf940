namespace GanFromScratch.Gan.Metrics;

/// <summary>Sample-quality measures for 2-D distributions.</summary>
public static class ToyMetrics
{
    /// <summary>
    /// The exact Wasserstein-1 distance between two equal-size point sets in the plane: the mean
    /// Euclidean distance under the optimal one-to-one matching (for uniform weights on equally
    /// many points an optimal transport plan is a permutation, so the assignment is exact).
    /// </summary>
    public static double Wasserstein1(float[] a, float[] b)
    {
        if (a.Length != b.Length || a.Length % 2 != 0)
            throw new ArgumentException($"Wasserstein1 needs two [n, 2] point sets of the same size, got {a.Length / 2} and {b.Length / 2} points.");
        if (!Array.TrueForAll(a, float.IsFinite) || !Array.TrueForAll(b, float.IsFinite))
            throw new ArgumentException("Wasserstein1: the points must be finite (a NaN or infinity was given).");
        int n = a.Length / 2;
        if (n == 0) return 0;
        var cost = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cost[i * n + j] = Math.Sqrt(Square(a[2 * i] - b[2 * j]) + Square(a[2 * i + 1] - b[2 * j + 1]));
        var match = Assignment.Solve(cost, n);
        double total = 0;
        for (int i = 0; i < n; i++) total += cost[i * n + match[i]];
        return total / n;
    }

    /// <summary>
    /// Mode coverage for a Gaussian mixture: a sample is high quality when it lies within three
    /// standard deviations of its nearest centre. Returns how many centres have at least one
    /// high-quality sample, and the fraction of samples that are high quality.
    /// </summary>
    public static (int Modes, double HighQuality) Modes(float[] samples, float[][] centres, float std)
    {
        int n = samples.Length / 2;
        var covered = new bool[centres.Length];
        int good = 0;
        double radius2 = Square(3.0 * std);
        for (int i = 0; i < n; i++)
        {
            int nearest = 0;
            double best = double.PositiveInfinity;
            for (int c = 0; c < centres.Length; c++)
            {
                double d2 = Square(samples[2 * i] - centres[c][0]) + Square(samples[2 * i + 1] - centres[c][1]);
                if (d2 < best) (best, nearest) = (d2, c);
            }
            if (best <= radius2)
            {
                good++;
                covered[nearest] = true;
            }
        }
        return (covered.Count(x => x), n == 0 ? 0 : (double)good / n);
    }

    /// <summary>
    /// For a conditional generator on a mixture: the fraction of samples within three standard
    /// deviations of the centre of the component they were asked for (<paramref name="labels"/>).
    /// A sample counts only when it is both of the right class and as tight as a real one, so this
    /// is at most <see cref="Modes"/>' high-quality fraction, which accepts any centre.
    /// </summary>
    public static double ClassAccuracy(float[] samples, int[] labels, float[][] centres, float std)
    {
        int n = samples.Length / 2;
        if (labels.Length != n) throw new ArgumentException($"{labels.Length} labels for {n} samples.");
        double radius2 = Square(3.0 * std);
        int hits = 0;
        for (int i = 0; i < n; i++)
        {
            var own = centres[labels[i]];
            if (Square(samples[2 * i] - own[0]) + Square(samples[2 * i + 1] - own[1]) <= radius2) hits++;
        }
        return n == 0 ? 0 : (double)hits / n;
    }

    private static double Square(double x) => x * x;
}
