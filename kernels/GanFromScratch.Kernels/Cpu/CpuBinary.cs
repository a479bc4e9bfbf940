using System.Runtime.Intrinsics;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>One elementwise function of two arguments, scalar and eight lanes.</summary>
internal interface IBinaryElementwise
{
    static abstract float Scalar(float a, float b, float alpha);
    static abstract Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha);
}

internal struct AddOp : IBinaryElementwise
{
    public static float Scalar(float a, float b, float alpha) => a + b;
    public static Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha) => a + b;
}

internal struct SubOp : IBinaryElementwise
{
    public static float Scalar(float a, float b, float alpha) => a - b;
    public static Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha) => a - b;
}

internal struct MulOp : IBinaryElementwise
{
    public static float Scalar(float a, float b, float alpha) => a * b;
    public static Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha) => a * b;
}

internal struct DivOp : IBinaryElementwise
{
    public static float Scalar(float a, float b, float alpha) => a / b;
    public static Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha) => a / b;
}

internal struct EqualOp : IBinaryElementwise
{
    public static float Scalar(float a, float b, float alpha) => a == b ? 1f : 0f;
    public static Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha) =>
        Vector256.ConditionalSelect(Vector256.Equals(a, b), Vector256<float>.One, Vector256<float>.Zero);
}

internal struct GreaterOp : IBinaryElementwise
{
    public static float Scalar(float a, float b, float alpha) => a > b ? 1f : 0f;
    public static Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(a, b), Vector256<float>.One, Vector256<float>.Zero);
}

/// <summary>
/// b &gt; 0 ? a : α·a. Where b is NaN it follows PyTorch's backward rules: ReLU's (α = 0,
/// threshold_backward) passes a, LeakyReLU's scales it by α.
/// </summary>
internal struct PassPositiveOp : IBinaryElementwise
{
    public static float Scalar(float a, float b, float alpha) => b > 0 || (alpha == 0 && float.IsNaN(b)) ? a : alpha * a;
    public static Vector256<float> Vector(Vector256<float> a, Vector256<float> b, Vector256<float> alpha)
    {
        var zero = Vector256<float>.Zero;
        var pass = Vector256.GreaterThan(b, zero) | (~Vector256.Equals(b, b) & Vector256.Equals(alpha, zero));
        return Vector256.ConditionalSelect(pass, a, alpha * a);
    }
}

internal static class BinaryKernel
{
    /// <summary>
    /// y (contiguous, extents <paramref name="shape"/>) = op(a, b), a and b read through strides.
    /// After collapsing axes, the last axis is the inner loop; it is vectorised when both operands
    /// are contiguous along it or one of them is broadcast along it.
    /// </summary>
    public static unsafe void Run<TOp>(float* a, ReadOnlySpan<int> aStrides, float* b, ReadOnlySpan<int> bStrides,
        float* y, ReadOnlySpan<int> shape, float alpha) where TOp : struct, IBinaryElementwise
    {
        // y is contiguous, so its strides merge wherever those of a and b do.
        var layout = StridedShape.Rows(shape, aStrides, bStrides);
        int inner = layout.Inner, rows = layout.Count;
        int sa = layout.InnerStride1, sb = layout.InnerStride2;
        nint pa = (nint)a, pb = (nint)b, py = (nint)y;

        if (rows == 1)
        {
            CpuParallel.For(inner, 1 << 15, (start, end) =>
                InnerLoop<TOp>((float*)pa + start * sa, sa, (float*)pb + start * sb, sb, (float*)py + start, end - start, alpha));
            return;
        }
        CpuParallel.For(rows, Math.Max(1, (1 << 15) / Math.Max(1, inner)), (start, end) =>
        {
            var cursor = layout.Cursor(start);
            for (int row = start; row < end; row++, cursor.Next())
                InnerLoop<TOp>((float*)pa + cursor.First, sa, (float*)pb + cursor.Second, sb, (float*)py + (long)row * inner, inner, alpha);
        });
    }

    private static unsafe void InnerLoop<TOp>(float* a, int sa, float* b, int sb, float* y, int n, float alpha) where TOp : struct, IBinaryElementwise
    {
        var va = Vector256.Create(alpha);
        int i = 0;
        if (sa == 1 && sb == 1)
        {
            for (; i <= n - 8; i += 8)
                TOp.Vector(Vector256.Load(a + i), Vector256.Load(b + i), va).Store(y + i);
        }
        else if (sa == 1 && sb == 0)
        {
            var vb = Vector256.Create(*b);
            for (; i <= n - 8; i += 8)
                TOp.Vector(Vector256.Load(a + i), vb, va).Store(y + i);
        }
        else if (sa == 0 && sb == 1)
        {
            var vFirst = Vector256.Create(*a);
            for (; i <= n - 8; i += 8)
                TOp.Vector(vFirst, Vector256.Load(b + i), va).Store(y + i);
        }
        for (; i < n; i++)
            y[i] = TOp.Scalar(a[(long)i * sa], b[(long)i * sb], alpha);
    }
}
