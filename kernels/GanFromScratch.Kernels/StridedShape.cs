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
    /// Drops extent-1 axes and merges axis i with axis i+1 where, for both operands,
    /// stride[i] == stride[i+1]·extent[i+1]. Writes the result and returns its rank (≥ 1).
    /// </summary>
    public static int Collapse(ReadOnlySpan<int> shape, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2,
        Span<int> outShape, Span<int> o1, Span<int> o2)
    {
        int rank = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (rank > 0 && o1[rank - 1] == s1[i] * shape[i] && o2[rank - 1] == s2[i] * shape[i])
            {
                outShape[rank - 1] *= shape[i];
                o1[rank - 1] = s1[i];
                o2[rank - 1] = s2[i];
                continue;
            }
            outShape[rank] = shape[i];
            o1[rank] = s1[i];
            o2[rank] = s2[i];
            rank++;
        }
        if (rank == 0)
        {
            outShape[0] = 1; o1[0] = 0; o2[0] = 0;
            rank = 1;
        }
        return rank;
    }

    /// <summary>The element offset of row <paramref name="row"/> (an index over every axis but the last).</summary>
    public static int RowOffset(int row, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int rank)
    {
        int offset = 0;
        for (int axis = rank - 2; axis >= 0; axis--)
        {
            int index = row % shape[axis];
            row /= shape[axis];
            offset += index * strides[axis];
        }
        return offset;
    }
}
