using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// BigGAN's orthogonal regularization (Brock et al. 2019, section 3.1), <c>--ortho β</c> for any
/// variant: the generator's loss gains
/// <code>
/// R_β(W) = β‖W Wᵀ ⊙ (1 − I)‖²_F      for every weight W of a Linear, Conv2d or ConvTranspose2d
/// </code>
/// with W read as [dimension 0, the rest] (each filter a row, as BigGAN's code views its
/// parameters), so that filters are pushed towards orthogonality without fixing their norms
/// (the diagonal is left out). Embeddings, biases and batch norm's gains are not regularized —
/// BigGAN leaves out its shared class embedding and every 1-D parameter. BigGAN's code adds
/// 2β(WWᵀ ⊙ (1 − I))W to the gradient, which is the gradient of (β/2)‖…‖²; gfs takes the paper's
/// R_β as written, so its β is half the code's for the same strength.
/// </summary>
public static class OrthogonalRegularization
{
    /// <summary>
    /// β‖W Wᵀ ⊙ (1 − I)‖²_F of one weight, a scalar. Written as it reads for a wide W; for a tall one
    /// (at least twice as many rows as columns — generator input layers such as biggan's 6272 × 32,
    /// whose W Wᵀ has 39 M entries) the same number from the small Gram matrix of the columns:
    /// <code>
    /// ‖W Wᵀ ⊙ (1 − I)‖²_F = ‖W Wᵀ‖²_F − Σᵢ (W Wᵀ)ᵢᵢ² = ‖Wᵀ W‖²_F − Σᵢ ‖wᵢ‖⁴
    /// </code>
    /// (‖W Wᵀ‖²_F = tr(W Wᵀ W Wᵀ) = tr(Wᵀ W Wᵀ W)). The subtraction cancels little there: with rows
    /// of equal norm, Σ(W Wᵀ)ᵢⱼ² ≥ (tr W Wᵀ)²/columns, so the off-diagonal part is at least
    /// (rows/columns − 1) times the diagonal's.
    /// </summary>
    public static Tensor Penalty(Tensor weight, float beta)
    {
        int rows = weight.Shape[0];
        var w = weight.Reshape(rows, -1);
        if (rows >= 2 * w.Shape[1])
            return beta * (Tensor.MatMulT(w, w, true, false).Square().Sum() - w.Square().Sum(1).Square().Sum());
        var index = Tensor.Arange(rows);
        var offDiagonal = 1f - Tensor.EqualMask(index.Reshape(rows, 1), index.Reshape(1, rows)); // 1 − I, made on the device, not uploaded
        var gram = Tensor.MatMulT(w, w, false, true);
        return beta * (gram * offDiagonal).Square().Sum();
    }

    /// <summary>The weights R_β applies to: those of every Linear, Conv2d and ConvTranspose2d of <paramref name="network"/>.</summary>
    public static IEnumerable<Tensor> Weights(Module network) => network.Modules().OfType<IWeightedLayer>().Select(l => l.Weight);

    /// <summary>Σ R_β(W) over <paramref name="network"/>'s weights.</summary>
    public static Tensor Of(Module network, float beta) =>
        Weights(network).Select(w => Penalty(w, beta)).Aggregate((a, b) => a + b);
}
