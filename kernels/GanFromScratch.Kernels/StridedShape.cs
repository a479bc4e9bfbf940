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
    /// Merges the axes of a strided traversal of two operands over <paramref name="shape"/>:
    /// extent-1 axes are dropped, and axis i is merged with axis i+1 where, for both operands,
    /// stride[i] == stride[i+1]·extent[i+1]. Outermost axis first, as in the input; at least one
    /// axis (extent 1 for a scalar).
    /// </summary>
    public static CollapsedAxes Collapse(ReadOnlySpan<int> shape, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2)
    {
        var extents = new List<int>(shape.Length);
        var o1 = new List<int>(shape.Length);
        var o2 = new List<int>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            int last = extents.Count - 1;
            if (last >= 0 && o1[last] == s1[i] * shape[i] && o2[last] == s2[i] * shape[i])
            {
                extents[last] *= shape[i];
                o1[last] = s1[i];
                o2[last] = s2[i];
                continue;
            }
            extents.Add(shape[i]);
            o1.Add(s1[i]);
            o2.Add(s2[i]);
        }
        if (extents.Count == 0) return new([1], [0], [0]);
        return new([.. extents], [.. o1], [.. o2]);
    }

    /// <summary>
    /// Views a strided traversal of two operands as rows (<see cref="Collapse"/>): the last
    /// remaining axis is the inner loop.
    /// </summary>
    public static RowLayout Rows(ReadOnlySpan<int> shape, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2)
    {
        return new RowLayout(Collapse(shape, s1, s2));
    }
}

/// <summary>The axes of a strided traversal of two operands after <see cref="StridedShape.Collapse"/>, outermost first.</summary>
public sealed record CollapsedAxes(int[] Extents, int[] Strides1, int[] Strides2)
{
    public int Rank => Extents.Length;

    /// <summary>Number of positions of axes [<paramref name="start"/>, <paramref name="end"/>): the product of their extents.</summary>
    public int Count(int start, int end)
    {
        int count = 1;
        for (int axis = start; axis < end; axis++) count *= Extents[axis];
        return count;
    }

    /// <summary>The same traversal without its last axis (of two or more): the positions where the rows start.</summary>
    public CollapsedAxes WithoutLast() => Rank > 1 ? new(Extents[..^1], Strides1[..^1], Strides2[..^1])
        : throw new InvalidOperationException("A traversal of one axis has no rows to walk without it.");

    /// <summary>Where each operand is at position <paramref name="index"/> of the first <paramref name="axes"/> axes (the last of them fastest).</summary>
    public (int First, int Second) Offsets(int index, int axes)
    {
        int first = 0, second = 0;
        for (int axis = axes - 1; axis >= 0; axis--)
        {
            int i = index % Extents[axis];
            index /= Extents[axis];
            first += i * Strides1[axis];
            second += i * Strides2[axis];
        }
        return (first, second);
    }
}

/// <summary>
/// A strided traversal of two operands, collapsed to <see cref="Count"/> rows of
/// <see cref="Inner"/> elements (see <see cref="StridedShape.Rows"/>).
/// </summary>
public sealed class RowLayout(CollapsedAxes axes)
{
    /// <summary>Elements per row: the extent of the last collapsed axis.</summary>
    public int Inner { get; } = axes.Extents[^1];

    /// <summary>Number of rows: the product of every other collapsed extent.</summary>
    public int Count { get; } = axes.Count(0, axes.Rank - 1);

    /// <summary>The operands' strides along a row.</summary>
    public int InnerStride1 => axes.Strides1[^1];
    public int InnerStride2 => axes.Strides2[^1];

    /// <summary>Where row <paramref name="row"/> starts in each operand.</summary>
    public (int First, int Second) Offsets(int row) => axes.Offsets(row, axes.Rank - 1);

    /// <summary>
    /// A cursor at row <paramref name="row"/> that steps to the next row by carrying through the
    /// axes like an odometer: one division per axis to start, none per row — a walk over many
    /// short rows (a 2× nearest upsampling copies rows of 2) is not bound by index arithmetic.
    /// </summary>
    public RowCursor Cursor(int row) => new(axes, row);
}

/// <summary>
/// Walks the rows of a <see cref="RowLayout"/> in order: <see cref="First"/> and
/// <see cref="Second"/> are where the current row starts in each operand; <see cref="Next"/> moves
/// to the next row.
/// </summary>
public struct RowCursor
{
    private readonly CollapsedAxes _axes;
    private readonly int[] _index;

    public int First { get; private set; }
    public int Second { get; private set; }

    internal RowCursor(CollapsedAxes axes, int row)
    {
        _axes = axes;
        int outer = axes.Rank - 1;
        _index = new int[Math.Max(outer, 1)];
        int first = 0, second = 0;
        for (int axis = outer - 1; axis >= 0; axis--) // as CollapsedAxes.Offsets, keeping each axis's index
        {
            int i = _index[axis] = row % axes.Extents[axis];
            row /= axes.Extents[axis];
            first += i * axes.Strides1[axis];
            second += i * axes.Strides2[axis];
        }
        (First, Second) = (first, second);
    }

    /// <summary>Moves to the next row: the last outer axis steps by one, and an axis that reaches its extent goes back to 0 and carries to the one before.</summary>
    public void Next()
    {
        for (int axis = _axes.Rank - 2; axis >= 0; axis--)
        {
            First += _axes.Strides1[axis];
            Second += _axes.Strides2[axis];
            if (++_index[axis] < _axes.Extents[axis]) return;
            First -= _axes.Strides1[axis] * _axes.Extents[axis];
            Second -= _axes.Strides2[axis] * _axes.Extents[axis];
            _index[axis] = 0;
        }
    }
}
