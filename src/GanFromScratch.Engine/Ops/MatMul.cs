namespace GanFromScratch.Engine;

/// <summary>Matrix products, 2-D and batched over a leading axis.</summary>
public sealed partial class Tensor
{
    /// <summary>
    /// a·b for matrices [m, k]·[k, n], or batches [B, m, k]·[B, k, n]; a batch times a matrix,
    /// [B, m, k]·[k, n], multiplies every matrix of the batch.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank == 3 && b.Rank == 2)
        {
            // Every row of every matrix of the batch times b: one [B·m, k]·[k, n] product.
            var flat = MatMul(a.Reshape(a.Shape[0] * a.Shape[1], a.Shape[2]), b);
            return flat.Reshape(a.Shape[0], a.Shape[1], b.Shape[1]);
        }
        return MatMulT(a, b, transA: false, transB: false);
    }

    /// <summary>a·b.</summary>
    public Tensor MatMul(Tensor b) => MatMul(this, b);

    /// <summary>
    /// op(a)·op(b), op being the transpose of the last two axes where asked. The transposes are
    /// read by the GEMM kernel through strides, never copied, and the derivatives are products of
    /// the same kind: for C = A·B, ∂A = G·Bᵀ and ∂B = Aᵀ·G, and likewise for the transposed forms.
    /// </summary>
    public static Tensor MatMulT(Tensor a, Tensor b, bool transA, bool transB)
    {
        SameBackend("matmul", a, b);
        if (a.Rank != b.Rank || a.Rank is not (2 or 3))
            throw new ArgumentException(
                $"matmul: expected two matrices or two batches of matrices, got shapes {Engine.Shape.Format(a.Shape)} and {Engine.Shape.Format(b.Shape)}.");
        int batch = a.Rank == 3 ? a.Shape[0] : 1;
        if (a.Rank == 3 && b.Shape[0] != batch)
            throw new ArgumentException($"matmul: batch sizes differ: {Engine.Shape.Format(a.Shape)} and {Engine.Shape.Format(b.Shape)}.");
        int r = a.Rank;
        int m = transA ? a.Shape[r - 1] : a.Shape[r - 2];
        int k = transA ? a.Shape[r - 2] : a.Shape[r - 1];
        int kb = transB ? b.Shape[r - 1] : b.Shape[r - 2];
        int n = transB ? b.Shape[r - 2] : b.Shape[r - 1];
        if (k != kb)
            throw new ArgumentException(
                $"matmul: inner dimensions differ: {Engine.Shape.Format(a.Shape)}{(transA ? "ᵀ" : "")} · {Engine.Shape.Format(b.Shape)}{(transB ? "ᵀ" : "")} ({k} vs {kb}).");

        int[] shape = a.Rank == 3 ? [batch, m, n] : [m, n];
        var c = Empty(a, shape);
        int lda = a.Shape[r - 1], ldb = b.Shape[r - 1];
        a.Backend.Gemm(transA, transB, m, n, k, 1f,
            a.Buffer, 0, lda, (long)m * k, b.Buffer, 0, ldb, (long)k * n, 0f, c.Buffer, 0, n, (long)m * n, batch);

        // Each product is formed only if its gradient is needed: the penalty's ∇ₓD needs no
        // weight gradients, and a frozen critic's weights need none in the generator's step.
        return Record(c, "matmul", [a, b], g => (transA, transB) switch
        {
            (false, false) => [Needs(a) ? MatMulT(g, b, false, true) : null, Needs(b) ? MatMulT(a, g, true, false) : null],
            (false, true) => [Needs(a) ? MatMulT(g, b, false, false) : null, Needs(b) ? MatMulT(g, a, true, false) : null],
            (true, false) => [Needs(a) ? MatMulT(b, g, false, true) : null, Needs(b) ? MatMulT(a, g, false, false) : null],
            (true, true) => [Needs(a) ? MatMulT(b, g, true, true) : null, Needs(b) ? MatMulT(g, a, true, true) : null],
        });
    }
}
