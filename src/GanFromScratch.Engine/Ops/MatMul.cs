using GanFromScratch.Kernels;

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
    public static Tensor MatMulT(Tensor a, Tensor b, bool transA, bool transB) =>
        MatMulT(a, b, transA, transB, null, GemmBias.PerColumn, GemmActivation.None);

    /// <summary>
    /// act(op(a)·op(b) + bias) as one GEMM whose epilogue adds the bias and applies the activation
    /// (<see cref="GemmEpilogue"/>): one kernel and one pass over the output where the product,
    /// a broadcast add and an activation take three, with the same output to the last bit. The
    /// bias has one value per column of the product (a linear layer's), or per row (a
    /// convolution's, whose product is [channels, positions]); <paramref name="bias"/> may be null.
    /// </summary>
    /// <remarks>
    /// The backward rule is that of the three ops: with z = op(a)·op(b) + bias and gz = g·act′(z),
    /// the products' gradients are those of <see cref="MatMulT(Tensor, Tensor, bool, bool)"/> taken
    /// with gz, and ∂bias is gz summed over the other axes. act′ is read from the output y instead
    /// of z: for ReLU, and for LeakyReLU with a slope ≥ 0, y &gt; 0 exactly where z &gt; 0. It is a
    /// constant mask, so the rule, made of differentiable ops, differentiates again like the
    /// unfused ops' (the gradient penalty's ∂/∂θ ‖∇ₓD‖ goes through it).
    /// </remarks>
    public static Tensor MatMulT(Tensor a, Tensor b, bool transA, bool transB,
        Tensor? bias, GemmBias biasAlong, GemmActivation activation, float slope = 0f)
    {
        SameBackend("matmul", a, b);
        if (a.Rank != b.Rank || a.Rank is not (2 or 3))
            throw new ArgumentException(
                $"matmul: expected two matrices or two batches of matrices, got shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        int batch = a.Rank == 3 ? a.Shape[0] : 1;
        if (a.Rank == 3 && b.Shape[0] != batch)
            throw new ArgumentException($"matmul: batch sizes differ: {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        int r = a.Rank;
        int m = transA ? a.Shape[r - 1] : a.Shape[r - 2];
        int k = transA ? a.Shape[r - 2] : a.Shape[r - 1];
        int kb = transB ? b.Shape[r - 1] : b.Shape[r - 2];
        int n = transB ? b.Shape[r - 2] : b.Shape[r - 1];
        if (k != kb)
            throw new ArgumentException(
                $"matmul: inner dimensions differ: {Shapes.Format(a.Shape)}{(transA ? "ᵀ" : "")} · {Shapes.Format(b.Shape)}{(transB ? "ᵀ" : "")} ({k} vs {kb}).");
        int biasLength = biasAlong == GemmBias.PerRow ? m : n;
        if (bias is not null)
        {
            SameBackend("matmul", a, bias);
            if (bias.Rank != 1 || bias.Shape[0] != biasLength)
                throw new ArgumentException(
                    $"matmul: the bias must be [{biasLength}], one value per {(biasAlong == GemmBias.PerRow ? "row" : "column")} of the product, got {Shapes.Format(bias.Shape)}.");
        }
        if (activation == GemmActivation.LeakyRelu && !(slope >= 0f))
            throw new ArgumentException($"matmul: a fused LeakyReLU needs a slope ≥ 0 (its derivative is read from the output), got {slope}.");

        int[] shape = a.Rank == 3 ? [batch, m, n] : [m, n];
        var y = Empty(a, shape);
        int lda = a.Shape[r - 1], ldb = b.Shape[r - 1];
        a.Backend.Gemm(transA, transB, m, n, k, 1f, a.Buffer, 0, lda, (long)m * k, b.Buffer, 0, ldb, (long)k * n,
            0f, y.Buffer, 0, n, (long)m * n, batch, new GemmEpilogue(bias?.Buffer, biasAlong, activation, slope));

        string name = "matmul" + (bias is null ? "" : "_bias") + activation switch
        {
            GemmActivation.Relu => "_relu",
            GemmActivation.LeakyRelu => "_leaky_relu",
            _ => "",
        };
        Tensor[] operands = bias is null ? [a, b] : [a, b, bias];
        return Record(y, name, operands, g =>
        {
            var gz = activation switch
            {
                GemmActivation.Relu => PassPositive(g, y, 0f),
                GemmActivation.LeakyRelu => PassPositive(g, y, slope),
                _ => g,
            };
            // Each product is formed only if its gradient is needed: the penalty's ∇ₓD needs no
            // weight gradients, and a frozen critic's weights need none in the generator's step.
            Tensor?[] products = (transA, transB) switch
            {
                (false, false) => [Needs(a) ? MatMulT(gz, b, false, true) : null, Needs(b) ? MatMulT(a, gz, true, false) : null],
                (false, true) => [Needs(a) ? MatMulT(gz, b, false, false) : null, Needs(b) ? MatMulT(gz, a, true, false) : null],
                (true, false) => [Needs(a) ? MatMulT(b, gz, false, true) : null, Needs(b) ? MatMulT(a, gz, false, false) : null],
                (true, true) => [Needs(a) ? MatMulT(b, gz, true, true) : null, Needs(b) ? MatMulT(gz, a, true, true) : null],
            };
            if (bias is null) return products;
            Tensor? gBias = !Needs(bias) ? null
                : biasAlong == GemmBias.PerRow ? gz.SumTo([m, 1]).Reshape(m) : gz.SumTo([n]);
            return [.. products, gBias];
        });
    }

    /// <summary>
    /// A linear layer, act(x·Wᵀ + b), in one kernel (see <see cref="MatMulT(Tensor, Tensor, bool, bool, Tensor?, GemmBias, GemmActivation, float)"/>).
    /// x is [batch, in], W is [out, in] (PyTorch's layout), b is [out] or null.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null, GemmActivation activation = GemmActivation.None, float slope = 0f)
    {
        if (x.Rank != 2 || weight.Rank != 2 || x.Shape[1] != weight.Shape[1])
            throw new ArgumentException(
                $"linear: expected x [batch, in] and W [out, in], got {Shapes.Format(x.Shape)} and {Shapes.Format(weight.Shape)}.");
        return MatMulT(x, weight, transA: false, transB: true, bias, GemmBias.PerColumn, activation, slope);
    }
}
