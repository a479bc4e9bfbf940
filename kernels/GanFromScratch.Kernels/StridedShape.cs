namespace GanFromScratch.Kernels;

/// <summary>
/// Shape arithmetic shared by the strided kernels of every backend: merging axes that are laid
/// out contiguously for every operand, so that a broadcast add of a [256, 512] matrix and a
/// [512] bias, or a full copy, runs as few, long, inner loops.
/// </summary>
public static class StridedShape
{
    /// <summary>Row-major strides of a contiguous tensor with extents <paramref name="shape"/>.</summary>
    public static int[] Contiguous(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /// <summary>
    /// Views a strided traversal of two operands over <paramref name="shape"/> as rows: extent-1
    /// axes are dropped, and axis i is merged with axis i+1 where, for both operands,
    /// stride[i] == stride[i+1]·extent[i+1]. The last remaining axis is the inner loop.
    /// </summary>
    public static RowLayout Rows(ReadOnlySpan<int> shape, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2)
    {
        int capacity = Math.Max(1, shape.Length);
        var extents = new int[capacity];
        var o1 = new int[capacity];
        var o2 = new int[capacity];
        int rank = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (rank > 0 && o1[rank - 1] == s1[i] * shape[i] && o2[rank - 1] == s2[i] * shape[i])
            {
                extents[rank - 1] *= shape[i];
                o1[rank - 1] = s1[i];
                o2[rank - 1] = s2[i];
                continue;
            }
            extents[rank] = shape[i];
            o1[rank] = s1[i];
            o2[rank] = s2[i];
            rank++;
        }
        if (rank == 0)
        {
            extents[0] = 1;
            rank = 1;
        }
        return new RowLayout(extents, o1, o2, rank);
    }
}

/// <summary>
/// A strided traversal of two operands, collapsed to <see cref="Count"/> rows of
/// <see cref="Inner"/> elements (see <see cref="StridedShape.Rows"/>).
/// </summary>
public sealed class RowLayout(int[] extents, int[] strides1, int[] strides2, int rank)
{
    /// <summary>Elements per row: the extent of the last collapsed axis.</summary>
    public int Inner { get; } = extents[rank - 1];

    /// <summary>Number of rows: the product of every other collapsed extent.</summary>
    public int Count { get; } = extents.Take(rank - 1).Aggregate(1, (p, e) => p * e);

    /// <summary>The operands' strides along a row.</summary>
    public int InnerStride1 => strides1[rank - 1];
    public int InnerStride2 => strides2[rank - 1];

    /// <summary>Where row <paramref name="row"/> starts in each operand.</summary>
    public (int First, int Second) Offsets(int row)
    {
        int first = 0, second = 0;
        for (int axis = rank - 2; axis >= 0; axis--)
        {
            int index = row % extents[axis];
            row /= extents[axis];
            first += index * strides1[axis];
            second += index * strides2[axis];
        }
        return (first, second);
    }
}
