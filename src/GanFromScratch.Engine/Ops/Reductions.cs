using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>Sums, means, maxima and norms over axes, and the softmax family built from them.</summary>
public sealed partial class Tensor
{
    /// <summary>Sum over <paramref name="axes"/> (all when none), keeping them as extent 1 when <paramref name="keepDim"/>.</summary>
    public Tensor Sum(int[]? axes = null, bool keepDim = false)
    {
        var x = this;
        var ax = Shapes.Axes(axes, x.Rank, "sum");
        var kept = Reduce(ReduceOp.Sum, x, ax);
        var y = keepDim ? kept : kept.View(DropAxes(x.Shape, ax));
        // Each input element contributed once: its gradient is g, broadcast back.
        return Record(y, "sum", [x], g => [g.Reshape(kept.Shape).Expand(x.Shape)]);
    }

    public Tensor Sum(int axis, bool keepDim = false) => Sum([axis], keepDim);

    /// <summary>The mean over <paramref name="axes"/> (all when none).</summary>
    public Tensor Mean(int[]? axes = null, bool keepDim = false)
    {
        var ax = Shapes.Axes(axes, Rank, "mean");
        int count = 1;
        foreach (int a in ax) count *= Shape[a];
        return Sum(ax, keepDim) * (1f / count);
    }

    public Tensor Mean(int axis, bool keepDim = false) => Mean([axis], keepDim);

    /// <summary>
    /// The maximum over <paramref name="axes"/>. The gradient goes to the elements equal to the
    /// maximum, shared evenly when several tie (as PyTorch's amax).
    /// </summary>
    public Tensor Max(int[]? axes = null, bool keepDim = false)
    {
        var x = this;
        var ax = Shapes.Axes(axes, x.Rank, "max");
        var kept = Reduce(ReduceOp.Max, x, ax);
        var y = keepDim ? kept : kept.View(DropAxes(x.Shape, ax));
        return Record(y, "max", [x], g =>
        {
            var mask = EqualMask(x, kept);
            var share = mask / Reduce(ReduceOp.Sum, mask, ax);
            return [g.Reshape(kept.Shape) * share];
        });
    }

    public Tensor Max(int axis, bool keepDim = false) => Max([axis], keepDim);

    /// <summary>
    /// The Euclidean norm over <paramref name="axes"/>, √(Σx² + ε). The ε inside the root keeps
    /// the gradient x/‖x‖ finite at x = 0 (where it is 0), which the gradient penalty needs.
    /// </summary>
    public Tensor Norm(int[]? axes = null, bool keepDim = false, float eps = 1e-12f) =>
        (Square().Sum(axes, keepDim) + eps).Sqrt();

    /// <summary>exp(x) / Σ exp(x) along an axis; the max is subtracted first (a constant) so exp cannot overflow.</summary>
    public Tensor Softmax(int axis = -1)
    {
        var shifted = this - Max(axis, keepDim: true).Detach();
        var e = shifted.Exp();
        return e / e.Sum(axis, keepDim: true);
    }

    /// <summary>
    /// log Σ exp(x) along an axis, computed stably as m + log Σ exp(x − m) with m the maximum
    /// (held constant: the result does not depend on it, so its gradient, softmax(x), is exact).
    /// An infinite maximum is clamped to a finite one, as PyTorch sets it to 0, so that a row
    /// holding +∞ gives +∞ and a row of −∞ gives −∞ rather than ∞ − ∞ = NaN (a NaN stays NaN).
    /// </summary>
    public Tensor LogSumExp(int axis = -1, bool keepDim = false)
    {
        var m = Max(axis, keepDim: true).Detach().Clamp(-float.MaxValue, float.MaxValue);
        var lse = (this - m).Exp().Sum(axis, keepDim: true).Log() + m;
        return keepDim ? lse : lse.Reshape(DropAxes(Shape, Shapes.Axes([axis], Rank, "logsumexp")));
    }

    /// <summary>x − log Σ exp(x) along an axis, computed stably.</summary>
    public Tensor LogSoftmax(int axis = -1)
    {
        var shifted = this - Max(axis, keepDim: true).Detach();
        return shifted - shifted.Exp().Sum(axis, keepDim: true).Log();
    }

    /// <summary>
    /// Mean cross-entropy of <paramref name="logits"/> [N, C] against class indices
    /// <paramref name="targets"/> (N integers in [0, C)).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, int[] targets)
    {
        if (logits.Rank != 2)
            throw new ArgumentException($"CrossEntropy: logits must be [N, C], not {Shapes.Format(logits.Shape)}.");
        int n = logits.Shape[0], c = logits.Shape[1];
        if (targets.Length != n)
            throw new ArgumentException($"CrossEntropy: {targets.Length} targets for {n} rows of logits.");
        var oneHot = new float[n * c];
        for (int i = 0; i < n; i++)
        {
            if ((uint)targets[i] >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(targets), $"CrossEntropy: target {targets[i]} at row {i} is not a class in [0, {c}).");
            oneHot[i * c + targets[i]] = 1f;
        }
        var picked = logits.LogSoftmax(1) * FromArray(oneHot, [n, c], logits.Backend);
        return -picked.Sum() * (1f / n);
    }

    /// <summary>Reduces the given (sorted) axes one after another, keeping them as extent 1. Unrecorded.</summary>
    private static Tensor Reduce(ReduceOp op, Tensor x, int[] axes)
    {
        var current = x;
        var shape = (int[])x.Shape.Clone();
        foreach (int axis in axes)
        {
            int outer = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= shape[i];
            for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
            int extent = shape[axis];
            if (extent == 0)
                throw new ArgumentException($"Cannot reduce over axis {axis} of extent 0 (shape {Shapes.Format(x.Shape)}).");
            if (extent == 1) continue; // nothing to reduce: the data stay as they are (the mean of a [256, 1] column, over both axes)
            shape[axis] = 1;
            var next = Empty(x, (int[])shape.Clone());
            x.Backend.Reduce(op, current.Buffer, next.Buffer, outer, extent, inner);
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, x) ? x.View((int[])shape.Clone()) : current;
    }

    private static int[] DropAxes(int[] shape, int[] axes) => shape.Where((_, i) => !axes.Contains(i)).ToArray();
}
