namespace GanFromScratch.Gan.Metrics;

/// <summary>The mean and covariance of a set of feature vectors (double precision).</summary>
public sealed record GaussianStatistics(double[] Mean, double[,] Covariance)
{
    /// <summary>Mean and unbiased covariance of <paramref name="n"/> rows of <paramref name="d"/> features.</summary>
    public static GaussianStatistics Of(float[] features, int n, int d)
    {
        if (n < 2) throw new ArgumentException($"A covariance needs at least two samples, got {n}.");
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) mean[j] += features[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        var cov = new double[d, d];
        var centered = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) centered[j] = features[i * d + j] - mean[j];
            for (int a = 0; a < d; a++)
            {
                double ca = centered[a];
                for (int b = a; b < d; b++) cov[a, b] += ca * centered[b];
            }
        }
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++) cov[b, a] = cov[a, b] /= n - 1;
        return new GaussianStatistics(mean, cov);
    }
}

/// <summary>
/// The Fréchet distance between two Gaussians fitted to features (FID's formula, with the
/// features of a classifier trained here instead of Inception's):
/// FD = ‖μr − μg‖² + Tr(Σr + Σg − 2(ΣrΣg)^½).
/// The trace of (ΣrΣg)^½ is taken through a symmetric matrix: with A = Σr^½, ΣrΣg = A(AΣgA)A⁻¹
/// is similar to AΣgA, which is symmetric and positive semi-definite, so
/// Tr (ΣrΣg)^½ = Σ √λᵢ(AΣgA). Only symmetric eigenproblems are solved (by Jacobi rotations).
/// </summary>
public static class Frechet
{
    public static double Distance(GaussianStatistics real, GaussianStatistics generated)
    {
        int d = real.Mean.Length;
        if (generated.Mean.Length != d) throw new ArgumentException($"Feature sizes differ: {d} and {generated.Mean.Length}.");
        double meanTerm = 0;
        for (int j = 0; j < d; j++) meanTerm += (real.Mean[j] - generated.Mean[j]) * (real.Mean[j] - generated.Mean[j]);
        var a = SymmetricMatrix.Sqrt(real.Covariance);
        var product = SymmetricMatrix.Multiply(SymmetricMatrix.Multiply(a, generated.Covariance), a);
        SymmetricMatrix.Symmetrize(product);
        double traceSqrt = SymmetricMatrix.Eigen(product).Values.Sum(l => Math.Sqrt(Math.Max(l, 0)));
        double trace = 0;
        for (int j = 0; j < d; j++) trace += real.Covariance[j, j] + generated.Covariance[j, j];
        return meanTerm + trace - 2 * traceSqrt;
    }
}

/// <summary>Dense symmetric matrices in double: eigendecomposition, square root, products.</summary>
public static class SymmetricMatrix
{
    /// <summary>
    /// Eigenvalues and eigenvectors (columns of Vectors) of a symmetric matrix by the cyclic
    /// Jacobi method: each rotation zeroes one off-diagonal pair; sweeps repeat until the
    /// off-diagonal mass is negligible. Slow for large matrices (O(n³) per sweep), exact enough for ours.
    /// </summary>
    public static (double[] Values, double[,] Vectors) Eigen(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;
        double scale = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) scale += a[i, j] * a[i, j];
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++) off += a[p, q] * a[p, q];
            if (off <= 1e-30 * Math.Max(scale, 1e-300)) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0) continue;
                    // The rotation angle that zeroes a[p, q]: t = tan θ, the smaller root of t² + 2τt − 1 = 0.
                    double tau = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(tau == 0 ? 1 : tau) / (Math.Abs(tau) + Math.Sqrt(1 + tau * tau));
                    double c = 1 / Math.Sqrt(1 + t * t), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = a[i, i];
        return (values, v);
    }

    /// <summary>The principal square root of a symmetric positive semi-definite matrix: V·diag(√max(λ, 0))·Vᵀ.</summary>
    public static double[,] Sqrt(double[,] matrix)
    {
        var (values, v) = Eigen(matrix);
        int n = values.Length;
        var root = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            double s = Math.Sqrt(Math.Max(values[k], 0));
            if (s == 0) continue;
            for (int i = 0; i < n; i++)
            {
                double vik = v[i, k] * s;
                for (int j = 0; j < n; j++) root[i, j] += vik * v[j, k];
            }
        }
        return root;
    }

    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), m = b.GetLength(1), k = a.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < k; p++)
            {
                double aip = a[i, p];
                for (int j = 0; j < m; j++) c[i, j] += aip * b[p, j];
            }
        return c;
    }

    /// <summary>(M + Mᵀ) / 2 in place: removes the rounding asymmetry of a product.</summary>
    public static void Symmetrize(double[,] m)
    {
        int n = m.GetLength(0);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) m[i, j] = m[j, i] = 0.5 * (m[i, j] + m[j, i]);
    }
}

/// <summary>
/// The Inception score's analogue with our classifier: exp(E_x KL(p(y|x) ‖ p(y))), p(y) the
/// mean of the class probabilities. High when each image is confidently one class (sharp
/// p(y|x)) and the classes are evenly used (flat p(y)); between 1 and the number of classes.
/// </summary>
public static class ClassifierScore
{
    public static double Compute(float[] probabilities, int n, int classes)
    {
        var marginal = new double[classes];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < classes; c++) marginal[c] += probabilities[i * classes + c];
        for (int c = 0; c < classes; c++) marginal[c] /= n;
        double kl = 0;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < classes; c++)
            {
                double p = probabilities[i * classes + c];
                if (p > 0) kl += p * (Math.Log(p) - Math.Log(marginal[c]));
            }
        return Math.Exp(kl / n);
    }
}
