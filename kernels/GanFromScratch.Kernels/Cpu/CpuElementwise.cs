using System.Runtime.Intrinsics;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// One elementwise function, in a scalar and a SIMD form. The kernels are generic over a
/// struct implementing this, so the JIT compiles one specialised loop per function.
/// </summary>
internal interface IElementwise
{
    static abstract float Scalar(float x, float a, float b);

    /// <summary>Whether <see cref="Vector"/> is implemented; when not, the kernel stays scalar.</summary>
    static virtual bool HasVector => false;

    /// <summary>The same function on eight lanes.</summary>
    static virtual Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => throw new NotSupportedException();
}

internal static class Elementwise
{
    private const int MinPerThread = 1 << 15;

    public static unsafe void Map<TOp>(float* x, float* y, int n, float a, float b) where TOp : struct, IElementwise
    {
        nint px = (nint)x, py = (nint)y;
        CpuParallel.For(n, MinPerThread, (start, end) =>
        {
            float* xs = (float*)px, ys = (float*)py;
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            int i = start;
            if (TOp.HasVector)
                for (; i <= end - 8; i += 8)
                    TOp.Vector(Vector256.Load(xs + i), va, vb).Store(ys + i);
            for (; i < end; i++)
                ys[i] = TOp.Scalar(xs[i], a, b);
        });
    }
}

// ---- the unary functions ---------------------------------------------------------------------

internal struct NegOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => -x;
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => -x;
}

internal struct ExpOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => MathF.Exp(x);
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => Vector256.Exp(x);
}

internal struct LogOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => MathF.Log(x);
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => Vector256.Log(x);
}

internal struct SqrtOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => MathF.Sqrt(x);
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => Vector256.Sqrt(x);
}

internal struct AbsOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => MathF.Abs(x);
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => Vector256.Abs(x);
}

internal struct SquareOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => x * x;
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => x * x;
}

/// <summary>
/// max(x, 0) as PyTorch computes it: 0 where x &lt; 0, x itself elsewhere — so NaN stays NaN (a
/// network whose weights went NaN must show it in its output, not hide it behind zeros), and
/// −0 stays −0.
/// </summary>
internal struct ReluOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => x < 0 ? 0 : x;
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);
}

/// <summary>x &gt; 0 ? x : a·x; NaN stays NaN (a·NaN is NaN).</summary>
internal struct LeakyReluOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => x > 0 ? x : a * x;
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, a * x);
}

internal struct TanhOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => MathF.Tanh(x);
}

internal struct SigmoidOp : IElementwise
{
    // Written so that neither branch overflows: exp is only taken of a non-positive number.
    public static float Scalar(float x, float a, float b)
    {
        if (x >= 0) return 1f / (1f + MathF.Exp(-x));
        float e = MathF.Exp(x);
        return e / (1f + e);
    }
}

internal struct SoftplusOp : IElementwise
{
    // log(1 + e^x) = max(x, 0) + log(1 + e^−|x|), exact and free of overflow.
    public static float Scalar(float x, float a, float b) => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
}

/// <summary>
/// x^a as PyTorch computes it: x·x, √x, and for a = −½ its 1/√x where that differs from powf —
/// at −0 (−∞, not +∞) and −∞ (NaN, not +0); elsewhere powf (for positive x within an ulp of 1/√x).
/// </summary>
internal struct PowOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => a switch
    {
        2f => x * x,
        1f => x,
        0.5f => MathF.Sqrt(x),
        -0.5f when float.IsNegative(x) => 1f / MathF.Sqrt(x),
        _ => MathF.Pow(x, a),
    };
}

/// <summary>min(max(x, a), b); NaN stays NaN (.NET's Max and Min, scalar and vector, propagate it, as PyTorch's clamp).</summary>
internal struct ClampOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => MathF.Min(MathF.Max(x, a), b);
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => Vector256.Min(Vector256.Max(x, a), b);
}

internal struct SignOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => x > 0 ? 1f : x < 0 ? -1f : 0f;
}

internal struct AffineOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => a * x + b;
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) => Vector256.FusedMultiplyAdd(a, x, b);
}

internal struct GreaterThanOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => x > a ? 1f : 0f;
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, a), Vector256<float>.One, Vector256<float>.Zero);
}

internal struct InRangeOp : IElementwise
{
    public static float Scalar(float x, float a, float b) => x >= a && x <= b ? 1f : 0f;
    public static bool HasVector => true;
    public static Vector256<float> Vector(Vector256<float> x, Vector256<float> a, Vector256<float> b) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, a) & Vector256.LessThanOrEqual(x, b), Vector256<float>.One, Vector256<float>.Zero);
}
