using GanFromScratch.Gan.Metrics;

namespace GanFromScratch.Tests;

/// <summary>The matrix square root, the Fréchet distance and the classifier score against closed forms.</summary>
public class FrechetTests
{
    private static double[,] RandomSpd(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i, j] = rng.NextDouble() * 2 - 1;
        var s = SymmetricMatrix.Multiply(a, Transpose(a));
        for (int i = 0; i < n; i++) s[i, i] += 0.1;
        return s;
    }

    private static double[,] Transpose(double[,] a)
    {
        int n = a.GetLength(0), m = a.GetLength(1);
        var t = new double[m, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) t[j, i] = a[i, j];
        return t;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public void The_square_root_squares_back_and_eigenvectors_diagonalize(int n)
    {
        var s = RandomSpd(n, n);
        var root = SymmetricMatrix.Sqrt(s);
        var back = SymmetricMatrix.Multiply(root, root);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(s[i, j], back[i, j], 1e-9 * (1 + Math.Abs(s[i, j])));
                Assert.Equal(root[i, j], root[j, i], 1e-12);
            }
        var (values, v) = SymmetricMatrix.Eigen(s);
        Assert.All(values, l => Assert.True(l > 0));
        var d = SymmetricMatrix.Multiply(SymmetricMatrix.Multiply(Transpose(v), s), v);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) Assert.Equal(i == j ? values[i] : 0, d[i, j], 1e-9 * n);
    }

    /// <summary>For diagonal covariances FD = ‖Δμ‖² + Σ(√a − √b)²; rotating both Gaussians by the same orthogonal Q leaves it unchanged.</summary>
    [Fact]
    public void Distance_matches_the_closed_form_and_is_rotation_invariant()
    {
        const int n = 6;
        var rng = new Random(3);
        var mu1 = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var mu2 = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var a = Enumerable.Range(0, n).Select(_ => 0.2 + rng.NextDouble()).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => 0.2 + rng.NextDouble()).ToArray();
        double expected = 0;
        for (int i = 0; i < n; i++) expected += Math.Pow(mu1[i] - mu2[i], 2) + Math.Pow(Math.Sqrt(a[i]) - Math.Sqrt(b[i]), 2);
        var d1 = new double[n, n];
        var d2 = new double[n, n];
        for (int i = 0; i < n; i++) (d1[i, i], d2[i, i]) = (a[i], b[i]);
        Assert.Equal(expected, Frechet.Distance(new(mu1, d1), new(mu2, d2)), 1e-9);

        var (_, q) = SymmetricMatrix.Eigen(RandomSpd(n, 5)); // an orthogonal matrix
        double[] Rotate(double[] x) => Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => q[i, j] * x[j])).ToArray();
        double[,] Conj(double[,] m) => SymmetricMatrix.Multiply(SymmetricMatrix.Multiply(q, m), Transpose(q));
        Assert.Equal(expected, Frechet.Distance(new(Rotate(mu1), Conj(d1)), new(Rotate(mu2), Conj(d2))), 1e-8);

        var same = new GaussianStatistics(mu1, RandomSpd(n, 9));
        Assert.Equal(0, Frechet.Distance(same, same), 1e-8);
    }

    [Fact]
    public void Statistics_are_the_mean_and_unbiased_covariance()
    {
        // Rows (1, 2), (3, 6), (5, 4): mean (3, 4); covariance [[4, 2], [2, 4]].
        var s = GaussianStatistics.Of([1, 2, 3, 6, 5, 4], 3, 2);
        Assert.Equal([3.0, 4.0], s.Mean);
        Assert.Equal(new double[,] { { 4, 2 }, { 2, 4 } }, s.Covariance);
    }

    [Fact]
    public void Classifier_score_is_the_class_count_for_sharp_even_predictions_and_one_for_identical_ones()
    {
        var sharp = new float[27];
        for (int i = 0; i < 9; i++) sharp[i * 3 + i % 3] = 1f; // three images of each class, each certain
        Assert.Equal(3, ClassifierScore.Compute(sharp, 9, 3), 1e-5);
        var same = Enumerable.Repeat(new[] { 0.2f, 0.5f, 0.3f }, 10).SelectMany(x => x).ToArray();
        Assert.Equal(1, ClassifierScore.Compute(same, 10, 3), 1e-5);
    }
}
