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
    public static IEnumerable<Tensor> Buffers(Module network) =>
        network.Modules().OfType<IRunningStatistics>().SelectMany(n => new[] { n.RunningMean, n.RunningVar });

    /// <summary>
    /// Runs <paramref name="forward"/> (one batch through <paramref name="network"/>) in training
    /// mode without gradients, each batch norm's momentum 1 for it: its running mean and variance
    /// become the batch's (the variance unbiased, as PyTorch's). The mode and the momenta are restored,
    /// and so are the other buffers a training forward moves (spectral norm's u and v): only the
    /// running statistics change.
    /// </summary>
    public static void Recompute(Module network, Action forward)
    {
        var norms = network.Modules().OfType<IRunningStatistics>().ToList();
        if (norms.Count == 0) return;
        bool training = network.Training;
        var momenta = norms.Select(n => n.Momentum).ToList();
        var running = Buffers(network).ToHashSet();
        using var others = Module.KeepBuffers([network], except: running.Contains);
        try
        {
            foreach (var n in norms) n.Momentum = 1f;
            network.Train();
            using var scope = TensorScope.Begin();
            using var _ = Autograd.NoGrad();
            forward();
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++) norms[i].Momentum = momenta[i];
            network.Train(training);
        }
    }
}

/// <summary>Synchronized batch norm for a data-parallel run.</summary>
public static class SyncBatchNorm
{
    /// <summary>
    /// Every batch norm of <paramref name="network"/> takes its training statistics over the rows of
    /// every rank of <paramref name="ranks"/> (PyTorch's <c>SyncBatchNorm.convert_sync_batchnorm</c>),
    /// or, with null, over this process's rows again; returns how many it set.
    /// </summary>
    public static int Apply(Module network, Engine.Distributed.ICollective? ranks)
    {
        var norms = network.Modules().OfType<IRunningStatistics>().ToList();
        foreach (var n in norms) n.Ranks = ranks;
        return norms.Count;
    }
}

/// <summary>A normalization layer that keeps running statistics of the batches it sees (BatchNorm, ConditionalBatchNorm).</summary>
internal interface IRunningStatistics
{
    Tensor RunningMean { get; }
    Tensor RunningVar { get; }
    float Momentum { get; set; }

    /// <summary>The ranks whose rows the training statistics are taken over (synchronized batch norm), or null: this process's rows.</summary>
    Engine.Distributed.ICollective? Ranks { get; set; }
}
