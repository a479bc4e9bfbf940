using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// Spectral normalization (Miyato et al., 2018), as PyTorch's <c>torch.nn.utils.spectral_norm</c>:
/// a layer computes with W/σ̂(W), σ̂ an estimate of W's largest singular value, so that the layer
/// is (about) 1-Lipschitz. W is read as a matrix [h, w] — h the output units (dimension 0 of a
/// Linear's or a Conv2d's weight, dimension 1 of a ConvTranspose2d's) — and σ̂ comes from vectors
/// u ∈ ℝʰ, v ∈ ℝʷ kept between forwards (buffers <c>weight_u</c> and <c>weight_v</c>, saved in
/// checkpoints). Each forward in training mode first refines them by power iteration, without
/// gradients:
/// <code>
/// v ← Wᵀu / ‖Wᵀu‖,   u ← Wv / ‖Wv‖        (one iteration per forward by default)
/// σ̂ = uᵀ W v,        W_SN = W / σ̂
/// </code>
/// The gradient flows through σ̂ into W with u and v held constant, as in PyTorch; σ̂ is made of
/// differentiable ops, so second derivatives (a gradient penalty through a normalized critic)
/// come for free. In evaluation mode u and v are used as they are. Over forwards u and v converge to
/// W's top singular vectors, σ̂ to its largest singular value.
/// </summary>
public sealed class SpectralNorm
{
    /// <summary>The ε of the normalizations, x / max(‖x‖, ε), PyTorch's default.</summary>
    public const float Eps = 1e-12f;

    private readonly int _rowsAxis;

    /// <param name="weight">The layer's weight (its shape fixes h and w).</param>
    /// <param name="rowsAxis">The dimension of the weight that holds the output units: 0, or 1 for a transposed convolution.</param>
    /// <param name="random">Draws the starting u and v, N(0, 1) normalized.</param>
    /// <param name="powerIterations">Power iterations per training forward (PyTorch's default 1).</param>
    public SpectralNorm(Tensor weight, int rowsAxis, RandomStream random, int powerIterations = 1)
    {
        if (rowsAxis < 0 || rowsAxis >= weight.Rank) throw new ArgumentOutOfRangeException(nameof(rowsAxis), $"The weight {Shapes.Format(weight.Shape)} has no dimension {rowsAxis}.");
        if (powerIterations < 0) throw new ArgumentOutOfRangeException(nameof(powerIterations), "Power iterations must be ≥ 0.");
        _rowsAxis = rowsAxis;
        PowerIterations = powerIterations;
        int h = weight.Shape[rowsAxis], w = weight.Size / h;
        using (Autograd.NoGrad())
        {
            U = Normalize(Tensor.Randn([h], random));
            V = Normalize(Tensor.Randn([w], random));
        }
    }

    /// <summary>u [h]: the estimate of the top left singular vector.</summary>
    public Tensor U { get; }

    /// <summary>v [w]: the estimate of the top right singular vector.</summary>
    public Tensor V { get; }

    public int PowerIterations { get; }

    /// <summary>The weight as the matrix [h, w] whose singular values are meant: the output units' dimension first.</summary>
    public Tensor Matrix(Tensor weight)
    {
        var rowsFirst = _rowsAxis == 0 ? weight : weight.Permute([_rowsAxis, .. Enumerable.Range(0, weight.Rank).Where(a => a != _rowsAxis)]);
        return rowsFirst.Reshape(weight.Shape[_rowsAxis], -1);
    }

    /// <summary>
    /// W / σ̂(W): in <paramref name="training"/> mode after <see cref="PowerIterations"/> power
    /// iterations that update u and v. The graph holds copies of u and v, so a later forward's
    /// update does not change what an earlier forward's backward reads.
    /// </summary>
    public Tensor Apply(Tensor weight, bool training)
    {
        var m = Matrix(weight);
        Tensor u = U, v = V;
        using (Autograd.NoGrad())
        {
            if (training && PowerIterations > 0)
            {
                for (int k = 0; k < PowerIterations; k++) // fresh tensors: the buffers are only read here
                {
                    v = Normalize(Tensor.MatMul(u.Reshape(1, -1), m).Reshape(-1));   // Wᵀu / ‖Wᵀu‖
                    u = Normalize(Tensor.MatMul(m, v.Reshape(-1, 1)).Reshape(-1));   // Wv / ‖Wv‖
                }
                U.CopyFrom(u);
                V.CopyFrom(v);
            }
            else
                (u, v) = (Copy(U), Copy(V)); // a later training forward updates the buffers in place
        }
        return weight / Sigma(m, u, v);
    }

    /// <summary>σ̂ = uᵀ W v, a scalar, differentiable in W.</summary>
    public static Tensor Sigma(Tensor matrix, Tensor u, Tensor v) =>
        Tensor.MatMul(Tensor.MatMul(u.Reshape(1, -1), matrix), v.Reshape(-1, 1)).Reshape();

    /// <summary>x / max(‖x‖, ε).</summary>
    public static Tensor Normalize(Tensor x) => x / x.Square().Sum().Sqrt().Clamp(Eps, float.MaxValue);

    private static Tensor Copy(Tensor x)
    {
        var copy = Tensor.ZerosLike(x);
        copy.CopyFrom(x);
        return copy;
    }

    /// <summary>
    /// Switches spectral normalization on for <paramref name="owner"/>'s <paramref name="weight"/>:
    /// registers u and v as the owner's buffers <c>weight_u</c>, <c>weight_v</c> (PyTorch's names).
    /// </summary>
    internal static SpectralNorm Attach(Module owner, Tensor weight, int rowsAxis, RandomStream random, int powerIterations)
    {
        var sn = new SpectralNorm(weight, rowsAxis, random, powerIterations);
        owner.AddBuffer("weight_u", sn.U);
        owner.AddBuffer("weight_v", sn.V);
        return sn;
    }
}

/// <summary>A layer that computes with one weight matrix (Linear, Conv2d, ConvTranspose2d): what spectral normalization and orthogonal regularization act on.</summary>
public interface IWeightedLayer
{
    /// <summary>The weight as trained (before spectral normalization).</summary>
    Tensor Weight { get; }

    /// <summary>The spectral normalization of the weight, if switched on.</summary>
    SpectralNorm? SpectralNorm { get; }

    /// <summary>Computes with W/σ̂(W) from now on; returns this.</summary>
    IWeightedLayer WithSpectralNorm(RandomStream random, int powerIterations = 1);
}
