using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The moving average of the generator's weights (BigGAN, after Karras et al. and Yazıcı et al.),
/// <c>--ema DECAY</c> for any variant: a second generator, the player <c>generator_ema</c>, that
/// never learns but follows the one that does, after every generator step,
/// <code>
/// θ_ema ← d·θ_ema + (1 − d)·θ        (from iteration --ema-start on; before it θ_ema ← θ)
/// </code>
/// over the parameters and spectral normalization's vectors. Batch norm's running statistics are
/// not averaged: before samples are drawn from the averaged generator they are set to those of a
/// batch of its own (BigGAN's "standing statistics", <see cref="BatchStatistics"/>) — averaged
/// statistics lag twice (the running average, then this one), and in evaluation mode an averaged
/// generator with them saturated its sigmoid (biggan, Fashion-MNIST, iteration 500: fd 593 against
/// the learning generator's 325). Samples and evaluations use the averaged generator; the
/// evaluations measure the learning one too (<c>fd_raw</c>, <c>w1_raw</c>).
/// </summary>
public static class MovingAverage
{
    /// <summary>One update of <paramref name="average"/> towards <paramref name="current"/> (networks of the same architecture).</summary>
    public static void Update(Module average, Module current, float decay)
    {
        using var scope = TensorScope.Begin();
        using var _ = Autograd.NoGrad();
        var standing = BatchStatistics.Buffers(average).ToHashSet();
        foreach (var ((name, target), (sourceName, source)) in average.NamedState().Zip(current.NamedState()))
        {
            if (name != sourceName) throw new InvalidOperationException($"The averaged generator's '{name}' meets the generator's '{sourceName}'.");
            if (standing.Contains(target)) continue; // recomputed before sampling (BatchStatistics)
            target.CopyFrom(decay == 0f ? source : decay * target + (1f - decay) * source);
        }
    }
}
