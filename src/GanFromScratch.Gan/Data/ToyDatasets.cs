using GanFromScratch.Engine;
using GanFromScratch.Kernels;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// The 2-D distributions of the WGAN-GP authors' <c>gan_toy.py</c>, with the same constants.
/// Points are drawn on the host from the counter-based stream of a <see cref="Generator"/>, so a
/// seed fixes every batch, and a checkpoint that saves the generator's offset resumes the stream.
/// </summary>
public abstract class ToyDataset
{
    public static readonly string[] Names = ["8gaussians", "25gaussians", "swissroll"];

    /// <summary>
    /// The gradient penalty's weight λ for toy data: 0.1, as gan_toy.py sets it ("smaller lambda
    /// seems to help for toy tasks specifically"). With the paper's λ = 10 (meant for images) and
    /// gan_toy.py's other settings, the generator on 8 Gaussians still wanders after 2,500
    /// iterations — in gfs and in PyTorch alike.
    /// </summary>
    public const float DefaultPenaltyWeight = 0.1f;

    public abstract string Name { get; }

    /// <summary>Mixture centres (after scaling), or null for a distribution that is not a mixture.</summary>
    public virtual float[][]? Centres => null;

    /// <summary>Standard deviation of each mixture component (after scaling).</summary>
    public virtual float ComponentStd => 0;

    /// <summary>n points as an [n, 2] row-major array.</summary>
    public float[] Sample(int n, RandomStream random) => Sample(n, random, out _);

    /// <summary>
    /// n points as an [n, 2] row-major array, and for a mixture the component each was drawn from
    /// (its label; all 0 for a distribution that is not a mixture).
    /// </summary>
    public abstract float[] Sample(int n, RandomStream random, out int[] labels);

    /// <summary>The dataset called <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public static ToyDataset Get(string name) => name switch
    {
        "8gaussians" => new EightGaussians(),
        "25gaussians" => new TwentyFiveGaussians(),
        "swissroll" => new SwissRoll(),
        _ => throw new ArgumentException($"Unknown dataset '{name}'. Valid toy datasets: {string.Join(", ", Names)}."),
    };

    // ---- host-side draws from a random stream ---------------------------------------------

    protected static float Uniform(ulong seed, ulong index) => Philox.Uniform(seed, index, 0f, 1f);

    protected static float Normal(ulong seed, ulong index) => Philox.Normal(seed, index, 0f, 1f);

    /// <summary>A mixture of equal-weight isotropic Gaussians: pick a centre, add noise, scale.</summary>
    protected static float[] SampleMixture(int n, RandomStream random, float[][] rawCentres, float std, float divisor, out int[] labels)
    {
        ulong start = random.Advance(3 * n);
        ulong seed = random.Seed;
        var points = new float[2 * n];
        labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            ulong at = start + 3UL * (ulong)i;
            int c = labels[i] = Math.Min(rawCentres.Length - 1, (int)(Uniform(seed, at) * rawCentres.Length));
            points[2 * i] = (rawCentres[c][0] + std * Normal(seed, at + 1)) / divisor;
            points[2 * i + 1] = (rawCentres[c][1] + std * Normal(seed, at + 2)) / divisor;
        }
        return points;
    }
}

/// <summary>Eight Gaussians on a circle of radius 2, every 45°, std 0.02, all divided by 1.414.</summary>
public sealed class EightGaussians : ToyDataset
{
    private const float Divisor = 1.414f, Std = 0.02f;

    private static readonly float[][] Raw = Enumerable.Range(0, 8)
        .Select(k => new[] { 2f * MathF.Cos(k * MathF.PI / 4), 2f * MathF.Sin(k * MathF.PI / 4) }).ToArray();

    public override string Name => "8gaussians";
    public override float[][] Centres => Raw.Select(c => new[] { c[0] / Divisor, c[1] / Divisor }).ToArray();
    public override float ComponentStd => Std / Divisor;
    public override float[] Sample(int n, RandomStream random, out int[] labels) => SampleMixture(n, random, Raw, Std, Divisor, out labels);
}

/// <summary>A 5×5 grid of Gaussians at {−4, −2, 0, 2, 4}², std 0.05, all divided by 2.828.</summary>
public sealed class TwentyFiveGaussians : ToyDataset
{
    private const float Divisor = 2.828f, Std = 0.05f;

    private static readonly float[][] Raw =
        (from x in Enumerable.Range(-2, 5) from y in Enumerable.Range(-2, 5) select new[] { 2f * x, 2f * y }).ToArray();

    public override string Name => "25gaussians";
    public override float[][] Centres => Raw.Select(c => new[] { c[0] / Divisor, c[1] / Divisor }).ToArray();
    public override float ComponentStd => Std / Divisor;
    public override float[] Sample(int n, RandomStream random, out int[] labels) => SampleMixture(n, random, Raw, Std, Divisor, out labels);
}

/// <summary>
/// The swiss roll (as scikit-learn's make_swiss_roll): t = 1.5π(1 + 2u), the point
/// (t·cos t, t·sin t) plus noise of std 0.25 on each coordinate, divided by 7.5.
/// (scikit-learn's 3-D roll, columns 0 and 2, is exactly this.)
/// </summary>
public sealed class SwissRoll : ToyDataset
{
    private const float Divisor = 7.5f, Noise = 0.25f;

    public override string Name => "swissroll";

    public override float[] Sample(int n, RandomStream random, out int[] labels)
    {
        labels = new int[n];
        ulong start = random.Advance(3 * n);
        ulong seed = random.Seed;
        var points = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            ulong at = start + 3UL * (ulong)i;
            float t = 1.5f * MathF.PI * (1f + 2f * Uniform(seed, at));
            points[2 * i] = (t * MathF.Cos(t) + Noise * Normal(seed, at + 1)) / Divisor;
            points[2 * i + 1] = (t * MathF.Sin(t) + Noise * Normal(seed, at + 2)) / Divisor;
        }
        return points;
    }
}
