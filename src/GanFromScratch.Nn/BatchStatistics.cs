using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>
/// "Standing statistics" (BigGAN, appendix C): the running statistics of every batch norm of a
/// network set to those of one large batch of its own activations. A network whose weights were
/// not trained by its own forwards — the moving average of a generator — has no running
/// statistics of its own that fit it; these are.
/// </summary>
public static class BatchStatistics
{
    /// <summary>The running statistics of <paramref name="network"/>'s batch norms, the tensors <see cref="Recompute"/> sets.</summary>
    public static IEnumerable<Tensor> Buffers(Module network) => network.Modules().SelectMany(m => m switch
    {
        BatchNorm b => new[] { b.RunningMean, b.RunningVar },
        ConditionalBatchNorm c => [c.RunningMean, c.RunningVar],
        _ => [],
    });

    /// <summary>
    /// Runs <paramref name="forward"/> (one batch through <paramref name="network"/>) in training
    /// mode without gradients, each batch norm's momentum 1 for it: its running mean and variance
    /// become the batch's (the variance unbiased, as PyTorch's). The mode and the momenta are restored.
    /// </summary>
    public static void Recompute(Module network, Action forward)
    {
        var norms = network.Modules().Where(m => m is BatchNorm or ConditionalBatchNorm).ToList();
        if (norms.Count == 0) return;
        bool training = network.Training;
        var momenta = norms.Select(SetMomentum(1f)).ToList();
        try
        {
            network.Train();
            using var scope = TensorScope.Begin();
            using var _ = Autograd.NoGrad();
            forward();
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++) SetMomentum(momenta[i])(norms[i]);
            network.Train(training);
        }
    }

    /// <summary>Sets a batch norm's momentum; returns the one it had.</summary>
    private static Func<Module, float> SetMomentum(float momentum) => m =>
    {
        switch (m)
        {
            case BatchNorm b: { float old = b.Momentum; b.Momentum = momentum; return old; }
            case ConditionalBatchNorm c: { float old = c.Momentum; c.Momentum = momentum; return old; }
            default: throw new ArgumentException(m.GetType().Name);
        }
    };
}
