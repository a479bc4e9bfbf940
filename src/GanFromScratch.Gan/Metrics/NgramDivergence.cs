namespace GanFromScratch.Gan.Metrics;

/// <summary>
/// The WGAN-GP authors' measure of generated text (<c>language_helpers.NgramLanguageModel.js_with</c>):
/// the Jensen–Shannon divergence, in bits (between 0 and 1), between the character n-gram
/// frequencies of two sets of lines. Each line is a sequence of character indices, padding
/// included; an n-gram is any n consecutive indices of one line. With P and Q the two frequency
/// tables and M = (P + Q)/2,
/// <code>
/// JS(P, Q) = ½ Σ_{g ∈ P} P(g) log₂(P(g)/M(g)) + ½ Σ_{g ∈ Q} Q(g) log₂(Q(g)/M(g))
/// </code>
/// It depends on how many lines each side holds (a finite sample of the same text is not at 0),
/// so gfs quotes it beside the floor: the same divergence for as many real lines.
/// </summary>
public sealed class NgramModel
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts the <paramref name="n"/>-grams of <paramref name="lines"/>.</summary>
    public NgramModel(int n, IEnumerable<int[]> lines)
    {
        if (n < 1) throw new ArgumentException($"An n-gram needs n ≥ 1, got {n}.");
        N = n;
        foreach (var line in lines)
            for (int i = 0; i + n <= line.Length; i++)
            {
                string key = Key(line, i, n);
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
                Total++;
            }
    }

    public int N { get; }

    /// <summary>How many n-grams were counted.</summary>
    public long Total { get; }

    private static string Key(int[] line, int start, int n) => string.Join(',', line.AsSpan(start, n).ToArray());

    private double LogP(string key) => _counts.TryGetValue(key, out int c) ? Math.Log(c) - Math.Log(Total) : double.NegativeInfinity;

    /// <summary>JS(this, other) in bits: 0 for the same frequencies, 1 for n-grams of which neither side has any of the other's.</summary>
    public double JensenShannon(NgramModel other)
    {
        if (other.N != N) throw new ArgumentException($"JS between a {N}-gram and a {other.N}-gram model.");
        if (Total == 0 || other.Total == 0) return double.NaN;
        return 0.5 * (Half(other, this) + Half(this, other)) / Math.Log(2);
    }

    /// <summary>KL(P ‖ M) = Σ_{g ∈ P} P(g)(log P(g) − log M(g)), M the mixture of P and Q, in nats.</summary>
    private static double Half(NgramModel p, NgramModel q)
    {
        double sum = 0;
        foreach (var key in p._counts.Keys)
        {
            double logP = p.LogP(key), logQ = q.LogP(key);
            double logM = LogAddExp(logP - Math.Log(2), logQ - Math.Log(2));
            sum += Math.Exp(logP) * (logP - logM);
        }
        return sum;
    }

    private static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    /// <summary>js1 … js<paramref name="maxN"/> of <paramref name="lines"/> against <paramref name="reference"/> (the n-gram models of the reference, built once).</summary>
    public static double[] Divergences(IReadOnlyList<NgramModel> reference, IEnumerable<int[]> lines)
    {
        var list = lines as IReadOnlyCollection<int[]> ?? lines.ToList();
        return [.. reference.Select(r => new NgramModel(r.N, list).JensenShannon(r))];
    }
}
