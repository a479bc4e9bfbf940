using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// The inner loops of <see cref="CpuGemm"/>. Each multiplies a packed MR×kc panel of A (stored
/// p-major: a[p·MR + r]) by a packed kc×NR panel of B (b[p·NR + c]) and writes
/// c = α·(A·B) + β·c for one MR×NR tile of C, the whole tile living in registers.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>
    /// The 12×32 micro-kernel: twenty-four 16-lane accumulators hold the C tile; per step of k it loads
    /// two vectors of B, broadcasts twelve scalars of A and issues twenty-four fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512(int kc, float* a, float* b, float alpha, float beta, float* c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60); c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70); c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(a8, b0, c80); c81 = Vector512.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(a9, b0, c90); c91 = Vector512.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(a10, b0, c100); c101 = Vector512.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(a11, b0, c110); c111 = Vector512.FusedMultiplyAdd(a11, b1, c111);
            a += 12;
            b += 32;
        }
        Store(c + 0L * ldc, alpha, beta, c00, c01);
        Store(c + 1L * ldc, alpha, beta, c10, c11);
        Store(c + 2L * ldc, alpha, beta, c20, c21);
        Store(c + 3L * ldc, alpha, beta, c30, c31);
        Store(c + 4L * ldc, alpha, beta, c40, c41);
        Store(c + 5L * ldc, alpha, beta, c50, c51);
        Store(c + 6L * ldc, alpha, beta, c60, c61);
        Store(c + 7L * ldc, alpha, beta, c70, c71);
        Store(c + 8L * ldc, alpha, beta, c80, c81);
        Store(c + 9L * ldc, alpha, beta, c90, c91);
        Store(c + 10L * ldc, alpha, beta, c100, c101);
        Store(c + 11L * ldc, alpha, beta, c110, c111);
    }

    /// <summary>
    /// The first <paramref name="rows"/> (1 to 8) rows of a 12×32 tile, from the same packed panels:
    /// four or eight rows of accumulators instead of twelve, so a panel's last rows cost their share.
    /// Each element is the same sum as in <see cref="Avx512"/>, stored as a partial tile's are
    /// (α·sum, then + β·c unfused).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Rows(int rows, int kc, float* a, float* b, float alpha, float beta, float* c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        if (rows <= 4)
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var a0 = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                a += 12;
                b += 32;
            }
        else
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                var a0 = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                var a4 = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
                var a5 = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
                var a6 = Vector512.Create(a[6]);
                c60 = Vector512.FusedMultiplyAdd(a6, b0, c60); c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
                var a7 = Vector512.Create(a[7]);
                c70 = Vector512.FusedMultiplyAdd(a7, b0, c70); c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
                a += 12;
                b += 32;
            }
        StoreUnfused(c, alpha, beta, c00, c01);
        if (rows > 1) StoreUnfused(c + 1L * ldc, alpha, beta, c10, c11);
        if (rows > 2) StoreUnfused(c + 2L * ldc, alpha, beta, c20, c21);
        if (rows > 3) StoreUnfused(c + 3L * ldc, alpha, beta, c30, c31);
        if (rows > 4) StoreUnfused(c + 4L * ldc, alpha, beta, c40, c41);
        if (rows > 5) StoreUnfused(c + 5L * ldc, alpha, beta, c50, c51);
        if (rows > 6) StoreUnfused(c + 6L * ldc, alpha, beta, c60, c61);
        if (rows > 7) StoreUnfused(c + 7L * ldc, alpha, beta, c70, c71);
    }

    /// <summary>c[0..32) = α·(lo, hi), then + β·c[0..32) as a separate addition; c is not read when β = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreUnfused(float* c, float alpha, float beta, Vector512<float> lo, Vector512<float> hi)
    {
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (va * lo).Store(c);
            (va * hi).Store(c + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            (va * lo + vb * Vector512.Load(c)).Store(c);
            (va * hi + vb * Vector512.Load(c + 16)).Store(c + 16);
        }
    }

    /// <summary>c[0..32) = α·(lo, hi) + β·c[0..32), not reading c when β = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float alpha, float beta, Vector512<float> lo, Vector512<float> hi)
    {
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (va * lo).Store(c);
            (va * hi).Store(c + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Vector512.FusedMultiplyAdd(va, lo, vb * Vector512.Load(c)).Store(c);
            Vector512.FusedMultiplyAdd(va, hi, vb * Vector512.Load(c + 16)).Store(c + 16);
        }
    }

    /// <summary>
    /// The 6×16 micro-kernel for AVX2: twelve 8-lane accumulators hold the C tile; per step of k
    /// it loads two vectors of B, broadcasts six scalars of A and issues twelve fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2(int kc, float* a, float* b, float alpha, float beta, float* c, int ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40); c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50); c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        Store(c, alpha, beta, c00, c01);
        Store(c + ldc, alpha, beta, c10, c11);
        Store(c + 2L * ldc, alpha, beta, c20, c21);
        Store(c + 3L * ldc, alpha, beta, c30, c31);
        Store(c + 4L * ldc, alpha, beta, c40, c41);
        Store(c + 5L * ldc, alpha, beta, c50, c51);
    }

    /// <summary>The first <paramref name="rows"/> (1 to 4) rows of a 6×16 tile, as <see cref="Avx512Rows"/> for the 12×32 one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Rows(int rows, int kc, float* a, float* b, float alpha, float beta, float* c, int ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            a += 6;
            b += 16;
        }
        StoreUnfused(c, alpha, beta, c00, c01);
        if (rows > 1) StoreUnfused(c + 1L * ldc, alpha, beta, c10, c11);
        if (rows > 2) StoreUnfused(c + 2L * ldc, alpha, beta, c20, c21);
        if (rows > 3) StoreUnfused(c + 3L * ldc, alpha, beta, c30, c31);
    }

    /// <summary>c[0..16) = α·(lo, hi), then + β·c[0..16) as a separate addition; c is not read when β = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreUnfused(float* c, float alpha, float beta, Vector256<float> lo, Vector256<float> hi)
    {
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            (va * lo).Store(c);
            (va * hi).Store(c + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            (va * lo + vb * Vector256.Load(c)).Store(c);
            (va * hi + vb * Vector256.Load(c + 8)).Store(c + 8);
        }
    }

    /// <summary>c[0..16) = α·(lo, hi) + β·c[0..16), not reading c when β = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, float alpha, float beta, Vector256<float> lo, Vector256<float> hi)
    {
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            (va * lo).Store(c);
            (va * hi).Store(c + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Vector256.FusedMultiplyAdd(va, lo, vb * Vector256.Load(c)).Store(c);
            Vector256.FusedMultiplyAdd(va, hi, vb * Vector256.Load(c + 8)).Store(c + 8);
        }
    }
}
