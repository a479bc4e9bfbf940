namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// What <see cref="Backend.Gemm"/> computes, written as plainly as it can be: three loops and one
/// element of C at a time,
/// <code>
/// C[i, j] = act(α · Σₚ op(A)[i, p] · op(B)[p, j] + β · C[i, j] + bias)
/// </code>
/// <see cref="CpuGemm"/> computes the same numbers with packed panels, cache blocks, a micro-kernel
/// that keeps a tile of C in registers, and threads; the CUDA kernels with tiles in shared memory.
/// Read this one first. It sums in double precision, so it is the reference the fast kernels'
/// float sums are checked against (within a tolerance that grows with k), not their bit-for-bit
/// twin: those add in another order. About a GFLOP/s — for reading and for tests, never for training.
/// </summary>
public static class ReferenceGemm
{
    /// <summary>
    /// One product, row-major as <see cref="Backend.Gemm"/>: A is m×k (k×m when
    /// <paramref name="transA"/>) with leading dimension <paramref name="lda"/>, B k×n (n×k when
    /// <paramref name="transB"/>), C m×n. β = 0 ignores what C held (NaN included), as BLAS does.
    /// The bias is one value per column of C (a linear layer's) or per row (a convolution's).
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        ReadOnlySpan<float> bias = default, GemmBias biasAlong = GemmBias.PerColumn,
        GemmActivation activation = GemmActivation.None, float slope = 0f)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float aip = transA ? a[p * lda + i] : a[i * lda + p]; // op(A)[i, p]
                    float bpj = transB ? b[j * ldb + p] : b[p * ldb + j]; // op(B)[p, j]
                    sum += (double)aip * bpj;
                }
                float v = (float)(alpha * sum + (beta == 0f ? 0.0 : beta * (double)c[i * ldc + j]));
                if (!bias.IsEmpty) v += biasAlong == GemmBias.PerRow ? bias[i] : bias[j];
                c[i * ldc + j] = CpuGemm.Epilogue.Activate(activation, v, slope);
            }
    }
}
