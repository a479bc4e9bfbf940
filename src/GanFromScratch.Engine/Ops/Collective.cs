using GanFromScratch.Engine.Distributed;

namespace GanFromScratch.Engine;

public sealed partial class Tensor
{
    /// <summary>
    /// The sum of this tensor over the ranks of <paramref name="ranks"/>, on every rank (every rank
    /// calls it at the same point of the same graph). Differentiable: a rank's x enters every rank's
    /// loss through the sum, so its gradient is the sum of the ranks' gradients of the result —
    /// the same operation, which makes second derivatives come for free as well. What synchronized
    /// batch norm's statistics are made of. Goes through host memory.
    /// </summary>
    public Tensor AllreduceSum(ICollective ranks)
    {
        var x = this;
        var values = x.ToArray();
        ranks.AllreduceSum(values);
        return Record(FromArray(values, x.Shape, x.Backend), "allreduce_sum", [x], g => [g.AllreduceSum(ranks)]);
    }
}
