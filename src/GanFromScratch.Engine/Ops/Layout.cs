using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>
/// Operations that move data without arithmetic: reshape, transpose, expand, narrow, pad,
/// concat. All but reshape are one strided-copy kernel; each one's derivative is another of them.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>The same data with another shape; one extent may be −1 (inferred).</summary>
    public Tensor Reshape(params int[] shape)
    {
        var x = this;
        var target = InferShape(shape, x.Size, x.Shape);
        return Record(x.View(target), "reshape", [x], g => [g.Reshape(x.Shape)]);
    }

    /// <summary>Flattens every axis from <paramref name="startAxis"/> on into one.</summary>
    public Tensor Flatten(int startAxis = 1)
    {
        int start = Shapes.Axis(startAxis, Rank, "flatten");
        return Reshape([.. Shape[..start], -1]);
    }

    private static int[] InferShape(int[] shape, int size, int[] from)
    {
        var result = (int[])shape.Clone();
        int unknown = Array.IndexOf(result, -1);
        if (unknown >= 0 && Array.LastIndexOf(result, -1) != unknown)
            throw new ArgumentException($"Reshape: only one extent may be -1 in {Shapes.Format(shape)}.");
        if (unknown >= 0)
        {
            int known = 1;
            for (int i = 0; i < result.Length; i++) if (i != unknown) known *= result[i];
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"Reshape: cannot reshape {Shapes.Format(from)} ({size} elements) to {Shapes.Format(shape)}.");
            result[unknown] = size / known;
        }
        if (Shapes.Count(result) != size)
            throw new ArgumentException($"Reshape: cannot reshape {Shapes.Format(from)} ({size} elements) to {Shapes.Format(shape)}.");
        return result;
    }

    /// <summary>Swaps two axes (a copy: storage stays contiguous).</summary>
    public Tensor Transpose(int axis0 = -2, int axis1 = -1)
    {
        int a0 = Shapes.Axis(axis0, Rank, "transpose"), a1 = Shapes.Axis(axis1, Rank, "transpose");
        var perm = Enumerable.Range(0, Rank).ToArray();
        (perm[a0], perm[a1]) = (perm[a1], perm[a0]);
        return Permute(perm);
    }

    /// <summary>
    /// Reorders the axes: axis i of the result is axis <paramref name="axes"/>[i] of this tensor
    /// (a copy: storage stays contiguous). Its derivative is the inverse permutation.
    /// </summary>
    public Tensor Permute(params int[] axes)
    {
        var x = this;
        if (axes.Length != x.Rank || axes.Order().Where((a, i) => a != i).Any())
            throw new ArgumentException($"Permute: ({string.Join(", ", axes)}) is not a permutation of the {x.Rank} axes of {Shapes.Format(x.Shape)}.");
        var shape = axes.Select(p => x.Shape[p]).ToArray();
        var srcStrides = StridedShape.Contiguous(x.Shape);
        var y = Empty(x, shape);
        x.Backend.Copy(x.Buffer, 0, axes.Select(p => srcStrides[p]).ToArray(), y.Buffer, 0, StridedShape.Contiguous(shape), shape);
        var inverse = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++) inverse[axes[i]] = i;
        return Record(y, "permute", [x], g => [g.Permute(inverse)]);
    }

    /// <summary>The transpose of a matrix.</summary>
    public Tensor T => Rank == 2 ? Transpose(0, 1) : throw new InvalidOperationException($"T needs a matrix, not shape {Shapes.Format(Shape)}; use Transpose(a, b).");

    /// <summary>Broadcasts to a larger shape (numpy rules), copying; its derivative sums back.</summary>
    public Tensor Expand(params int[] shape)
    {
        var x = this;
        var target = Shapes.Broadcast(x.Shape, shape, "expand");
        if (!Shapes.Equal(target, shape))
            throw new ArgumentException($"Expand: {Shapes.Format(x.Shape)} cannot be expanded to {Shapes.Format(shape)}.");
        if (Shapes.Equal(x.Shape, shape)) return x;
        return Record(ExpandData(x, shape), "expand", [x], g => [g.SumTo(x.Shape)]);
    }

    /// <summary>The broadcast copy, unrecorded.</summary>
    private static Tensor ExpandData(Tensor x, int[] shape)
    {
        if (Shapes.Equal(x.Shape, shape)) return x;
        var y = Empty(x, shape);
        x.Backend.Copy(x.Buffer, 0, Shapes.BroadcastStrides(x.Shape, shape), y.Buffer, 0, StridedShape.Contiguous(shape), shape);
        return y;
    }

    /// <summary>
    /// Sums a broadcast result back to <paramref name="shape"/>: over the leading axes it lacks
    /// and over the axes where it has extent 1. The derivative of broadcasting.
    /// </summary>
    public Tensor SumTo(int[] shape)
    {
        if (Shapes.Equal(Shape, shape)) return this;
        int lead = Rank - shape.Length;
        if (lead < 0) throw new ArgumentException($"SumTo: {Shapes.Format(Shape)} has fewer axes than {Shapes.Format(shape)}.");
        var axes = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && Shape[i] != 1)) axes.Add(i);
        var summed = axes.Count > 0 ? Sum([.. axes], keepDim: true) : this;
        return summed.Reshape(shape);
    }

    /// <summary>The slice [start, start + length) along <paramref name="axis"/>.</summary>
    public Tensor Narrow(int axis, int start, int length)
    {
        var x = this;
        int ax = Shapes.Axis(axis, x.Rank, "narrow");
        if (start < 0 || length < 0 || start + length > x.Shape[ax])
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Narrow: [{start}, {start + length}) is outside axis {ax} of extent {x.Shape[ax]} (shape {Shapes.Format(x.Shape)}).");
        var shape = (int[])x.Shape.Clone();
        shape[ax] = length;
        var strides = StridedShape.Contiguous(x.Shape);
        var y = Empty(x, shape);
        x.Backend.Copy(x.Buffer, start * strides[ax], strides, y.Buffer, 0, StridedShape.Contiguous(shape), shape);
        return Record(y, "narrow", [x], g => [g.Pad(ax, start, x.Shape[ax] - start - length)]);
    }

    /// <summary>Zero padding along one axis: <paramref name="before"/> zeros, the data, <paramref name="after"/> zeros.</summary>
    public Tensor Pad(int axis, int before, int after)
    {
        var x = this;
        int ax = Shapes.Axis(axis, x.Rank, "pad");
        if (before < 0 || after < 0) throw new ArgumentOutOfRangeException(nameof(before), "Pad: amounts must be non-negative.");
        var shape = (int[])x.Shape.Clone();
        shape[ax] += before + after;
        var y = Full(shape, 0f, x.Backend);
        var strides = StridedShape.Contiguous(shape);
        x.Backend.Copy(x.Buffer, 0, StridedShape.Contiguous(x.Shape), y.Buffer, before * strides[ax], strides, x.Shape);
        return Record(y, "pad", [x], g => [g.Narrow(ax, before, x.Shape[ax])]);
    }

    /// <summary>Joins tensors along an axis; all other extents must agree.</summary>
    public static Tensor Concat(Tensor[] tensors, int axis = 0)
    {
        if (tensors.Length == 0) throw new ArgumentException("Concat: no tensors given.");
        var first = tensors[0];
        int ax = Shapes.Axis(axis, first.Rank, "concat");
        var shape = (int[])first.Shape.Clone();
        shape[ax] = 0;
        foreach (var t in tensors)
        {
            SameBackend("concat", first, t);
            bool fits = t.Rank == first.Rank;
            for (int i = 0; fits && i < t.Rank; i++) fits = i == ax || t.Shape[i] == first.Shape[i];
            if (!fits)
                throw new ArgumentException($"Concat: shape {Shapes.Format(t.Shape)} does not match {Shapes.Format(first.Shape)} outside axis {ax}.");
            shape[ax] += t.Shape[ax];
        }
        var y = Empty(first, shape);
        var strides = StridedShape.Contiguous(shape);
        var starts = new int[tensors.Length];
        int offset = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            starts[i] = offset;
            t.Backend.Copy(t.Buffer, 0, StridedShape.Contiguous(t.Shape), y.Buffer, offset * strides[ax], strides, t.Shape);
            offset += t.Shape[ax];
        }
        return Record(y, "concat", tensors, g => tensors.Select((t, i) => (Tensor?)g.Narrow(ax, starts[i], t.Shape[ax])).ToArray());
    }
}
