using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>
/// Rows picked by index — an embedding's lookup — and its adjoint, rows added into place by
/// index. Indices are class labels held in a float tensor (as batches carry them, uploaded with
/// the data); they are constants, and get no gradient. Each op's derivative is the other, so both
/// differentiate to any order.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// The rows of <paramref name="table"/> [rows, …] at <paramref name="indices"/> [n]: a tensor
    /// [n, …], as PyTorch's <c>table[indices]</c> or <c>F.embedding(indices, table)</c>. An index
    /// outside [0, rows) gives a row of NaN.
    /// </summary>
    public static Tensor IndexSelect(Tensor table, Tensor indices)
    {
        SameBackend("index_select", table, indices);
        if (table.Rank < 1 || indices.Rank != 1)
            throw new ArgumentException($"index_select: expected a table [rows, …] and indices [n], got {Shapes.Format(table.Shape)} and {Shapes.Format(indices.Shape)}.");
        int rows = table.Shape[0], width = table.Size / Math.Max(1, rows), n = indices.Shape[0];
        var y = Empty(table, [n, .. table.Shape[1..]]);
        table.Backend.Gather(table.Buffer, indices.Buffer, y.Buffer, n, rows, width);
        // Each row of the table receives the gradients of the rows picked from it.
        return Record(y, "index_select", [table], g => [ScatterAdd(g, indices, rows)]);
    }

    /// <summary>
    /// The adjoint of <see cref="IndexSelect"/>: a tensor [rows, …] whose row r is the sum of the
    /// rows of <paramref name="source"/> [n, …] whose index is r (in order, so deterministic).
    /// </summary>
    public static Tensor ScatterAdd(Tensor source, Tensor indices, int rows)
    {
        SameBackend("scatter_add", source, indices);
        if (source.Rank < 1 || indices.Rank != 1 || indices.Shape[0] != source.Shape[0])
            throw new ArgumentException($"scatter_add: expected a source [n, …] and indices [n], got {Shapes.Format(source.Shape)} and {Shapes.Format(indices.Shape)}.");
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"scatter_add: {rows} rows.");
        int n = source.Shape[0], width = source.Size / Math.Max(1, n);
        var y = Empty(source, [rows, .. source.Shape[1..]]);
        source.Backend.ScatterAdd(source.Buffer, indices.Buffer, y.Buffer, n, rows, width);
        return Record(y, "scatter_add", [source], g => [IndexSelect(g, indices)]);
    }

    /// <summary>
    /// One-hot rows [n, classes] of class indices [n] held in floats: 1 where the column is the
    /// index, 0 elsewhere. A constant (no gradient flows through it).
    /// </summary>
    public static Tensor OneHot(Tensor indices, int classes)
    {
        if (indices.Rank != 1) throw new ArgumentException($"one_hot: expected indices [n], got {Shapes.Format(indices.Shape)}.");
        using (Autograd.NoGrad())
            return EqualMask(indices.Reshape(indices.Shape[0], 1), Arange(0, classes, 1, indices.Backend).Reshape(1, classes));
    }

    /// <summary>
    /// Mean cross-entropy of <paramref name="logits"/> [N, C] against class indices held in a float
    /// tensor [N] on the device (a batch's labels): −mean log softmax(logits)[label], computed
    /// from the logits (a softmax taken first would be a second one, and wrong).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels)
    {
        if (logits.Rank != 2 || labels.Rank != 1 || labels.Shape[0] != logits.Shape[0])
            throw new ArgumentException($"CrossEntropy: expected logits [N, C] and labels [N], got {Shapes.Format(logits.Shape)} and {Shapes.Format(labels.Shape)}.");
        var picked = logits.LogSoftmax(1) * OneHot(labels, logits.Shape[1]);
        return -picked.Sum() * (1f / logits.Shape[0]);
    }
}
