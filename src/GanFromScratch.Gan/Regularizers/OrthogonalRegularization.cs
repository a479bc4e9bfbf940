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
    /// <summary>β‖W Wᵀ ⊙ (1 − I)‖²_F of one weight, a scalar.</summary>
    public static Tensor Penalty(Tensor weight, float beta)
    {
        int rows = weight.Shape[0];
        var w = weight.Reshape(rows, -1);
        var offDiagonal = new float[rows * rows];
        for (int i = 0; i < offDiagonal.Length; i++) offDiagonal[i] = i / rows == i % rows ? 0f : 1f;
        var gram = Tensor.MatMulT(w, w, false, true);
        return beta * (gram * Tensor.FromArray(offDiagonal, rows, rows)).Square().Sum();
    }

    /// <summary>The weights R_β applies to: those of every Linear, Conv2d and ConvTranspose2d of <paramref name="network"/>.</summary>
    public static IEnumerable<Tensor> Weights(Module network) => network.Modules().OfType<IWeightedLayer>().Select(l => l.Weight);

    /// <summary>Σ R_β(W) over <paramref name="network"/>'s weights.</summary>
    public static Tensor Of(Module network, float beta) =>
        Weights(network).Select(w => Penalty(w, beta)).Aggregate((a, b) => a + b);
}
