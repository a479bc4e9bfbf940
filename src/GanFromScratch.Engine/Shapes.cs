namespace GanFromScratch.Engine;

/// <summary>Shape arithmetic: element counts, broadcasting, axis normalisation.</summary>
public static class Shapes
{
    public static int Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative extent in shape {Format(shape)}.");
            n *= d;
        }
        if (n > int.MaxValue) throw new ArgumentException($"Shape {Format(shape)} has more than {int.MaxValue} elements.");
        return (int)n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>
    /// The numpy broadcast of two shapes: aligned at the right, each pair of extents must be equal
    /// or one of them 1.
    /// </summary>
    public static int[] Broadcast(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (axis {i} of the result: {da} vs {db}; extents must be equal or 1).");
            result[i] = Math.Max(da, db);
        }
        return result;
    }

    /// <summary>Strides for reading a contiguous tensor of <paramref name="shape"/> as if it had <paramref name="target"/> (0 where broadcast).</summary>
    public static int[] BroadcastStrides(int[] shape, int[] target)
    {
        var own = Kernels.StridedShape.Contiguous(shape);
        var strides = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < target.Length; i++)
        {
            if (i < lead) continue;
            strides[i] = shape[i - lead] == 1 && target[i] != 1 ? 0 : own[i - lead];
        }
        return strides;
    }

    /// <summary>A negative axis counts from the end, as in numpy.</summary>
    public static int Axis(int axis, int rank, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"{op}: axis {axis} is out of range for a tensor of rank {rank}.");
        return a;
    }

    /// <summary>Normalised, sorted, distinct axes; all axes when none are given.</summary>
    public static int[] Axes(int[]? axes, int rank, string op)
    {
        if (axes is null || axes.Length == 0) return Enumerable.Range(0, rank).ToArray();
        var result = axes.Select(a => Axis(a, rank, op)).Distinct().Order().ToArray();
        if (result.Length != axes.Length) throw new ArgumentException($"{op}: an axis is repeated in [{string.Join(", ", axes)}].");
        return result;
    }
}
