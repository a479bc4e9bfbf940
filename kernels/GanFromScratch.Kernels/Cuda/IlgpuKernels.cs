using ILGPU;

namespace GanFromScratch.Kernels.Cuda;

/// <summary>Arguments of a GEMM launch (one struct: ILGPU passes it by value to every thread).</summary>
public struct GemmArgs
{
    public int M, N, K, Lda, Ldb, Ldc, TransA, TransB, AOffset, BOffset, COffset;
    /// <summary>The side T of a group of T×T threads, a power of two: T = 2^TileShift.</summary>
    public int Tile, TileShift;
    public long StrideA, StrideB, StrideC;
    public float Alpha, Beta;
    /// <summary>The epilogue (see <see cref="GemmEpilogue"/>): a bias when HasBias is 1, per row when BiasPerRow is 1; then the activation.</summary>
    public int HasBias, BiasPerRow;
    public GemmActivation Activation;
    public float Slope;
}

/// <summary>
/// A strided traversal of two operands with at most <see cref="MaxRank"/> axes (what
/// <see cref="StridedShape.Collapse"/> leaves of almost every broadcast or permutation), passed
/// to the kernel by value like every other scalar argument: nothing to upload, nothing to wait
/// for. Axis 0 is the innermost (fastest) one; an element index is unravelled over the extents
/// and each operand's offset summed.
/// </summary>
public struct StridedLayout
{
    public const int MaxRank = 4;

    public int Rank;
    public int Extent0, Extent1, Extent2, Extent3;
    public int First0, First1, First2, First3;
    public int Second0, Second1, Second2, Second3;
    /// <summary>Where each operand starts; <see cref="Start"/> is where a contiguous output starts.</summary>
    public int FirstOffset, SecondOffset, Start;

    /// <summary>
    /// The operands' offsets of element <paramref name="i"/>. The outermost axis needs no
    /// remainder, so a rank-1 traversal costs no division at all, a rank-2 one a single one.
    /// </summary>
    public readonly void Offsets(int i, out int first, out int second)
    {
        first = FirstOffset;
        second = SecondOffset;
        int rest = i;
        Axis(ref rest, Rank == 1, Extent0, First0, Second0, ref first, ref second);
        if (Rank > 1) Axis(ref rest, Rank == 2, Extent1, First1, Second1, ref first, ref second);
        if (Rank > 2) Axis(ref rest, Rank == 3, Extent2, First2, Second2, ref first, ref second);
        if (Rank > 3) Axis(ref rest, true, Extent3, First3, Second3, ref first, ref second);
    }

    private static void Axis(ref int rest, bool outermost, int extent, int stride1, int stride2, ref int first, ref int second)
    {
        int index = outermost ? rest : rest % extent;
        if (!outermost) rest /= extent;
        first += index * stride1;
        second += index * stride2;
    }

    /// <summary>
    /// The innermost <see cref="MaxRank"/> (or fewer) axes of <paramref name="axes"/>; the
    /// caller handles the rest (<see cref="IlgpuBackend"/> launches once per outer position).
    /// </summary>
    public static StridedLayout Inner(CollapsedAxes axes, int firstOffset, int secondOffset, int start)
    {
        int rank = Math.Min(axes.Rank, MaxRank);
        int Get(int[] values, int axis) => axis < rank ? values[axes.Rank - 1 - axis] : 1;
        return new StridedLayout
        {
            Rank = rank,
            Extent0 = Get(axes.Extents, 0), Extent1 = Get(axes.Extents, 1), Extent2 = Get(axes.Extents, 2), Extent3 = Get(axes.Extents, 3),
            First0 = Get(axes.Strides1, 0), First1 = Get(axes.Strides1, 1), First2 = Get(axes.Strides1, 2), First3 = Get(axes.Strides1, 3),
            Second0 = Get(axes.Strides2, 0), Second1 = Get(axes.Strides2, 1), Second2 = Get(axes.Strides2, 2), Second3 = Get(axes.Strides2, 3),
            FirstOffset = firstOffset, SecondOffset = secondOffset, Start = start,
        };
    }
}

/// <summary>
/// The kernels of the ILGPU backend: plain static methods that ILGPU compiles to PTX for CUDA
/// (and runs emulated on its CPU accelerator). One thread per output element unless said
/// otherwise; every result is computed in a fixed order, so runs are deterministic. The CPU
/// backend is the reference each is tested against.
/// </summary>
public static class IlgpuKernels
{
    public static void Fill(Index1D i, ArrayView<float> y, float value) => y[i] = value;

    public static void Arange(Index1D i, ArrayView<float> y, float start, float step) => y[i] = start + i * step;

    /// <summary>Element i of the Philox stream (seed, offset + i): the same number the CPU computes.</summary>
    public static void Random(Index1D i, ArrayView<float> y, int normal, ulong seed, ulong offset, float a, float b) =>
        y[i] = normal != 0 ? Philox.Normal(seed, offset + (ulong)(int)i, a, b) : Philox.Uniform(seed, offset + (ulong)(int)i, a, b);

    public static void Unary(Index1D i, ArrayView<float> x, ArrayView<float> y, int op, float a, float b) =>
        y[i] = UnaryValue(op, x[i], a, b);

    /// <summary>The unary functions, the same formulas as the CPU's scalar paths.</summary>
    public static float UnaryValue(int op, float x, float a, float b)
    {
        switch ((UnaryOp)op)
        {
            case UnaryOp.Neg: return -x;
            case UnaryOp.Exp: return MathF.Exp(x);
            case UnaryOp.Log: return MathF.Log(x);
            case UnaryOp.Sqrt: return MathF.Sqrt(x);
            case UnaryOp.Abs: return MathF.Abs(x);
            case UnaryOp.Square: return x * x;
            case UnaryOp.Relu: return x < 0 ? 0 : x; // NaN stays NaN, as PyTorch's
            case UnaryOp.Tanh: return MathF.Tanh(x);
            case UnaryOp.Sigmoid:
                if (x >= 0) return 1f / (1f + MathF.Exp(-x));
                float e = MathF.Exp(x);
                return e / (1f + e);
            case UnaryOp.Softplus: return MaxOrNaN(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
            case UnaryOp.LeakyRelu: return x > 0 ? x : a * x;
            case UnaryOp.Pow: // as the CPU's PowOp: PyTorch's x·x, √x and (for negative x) 1/√x
                return a == 2f ? x * x : a == 1f ? x : a == 0.5f ? MathF.Sqrt(x) : a == -0.5f && float.IsNegative(x) ? 1f / MathF.Sqrt(x) : MathF.Pow(x, a);
            case UnaryOp.Clamp: return MinOrNaN(MaxOrNaN(x, a), b);
            case UnaryOp.Sign: return x > 0 ? 1f : x < 0 ? -1f : 0f;
            case UnaryOp.Affine: return a * x + b;
            case UnaryOp.GreaterThan: return x > a ? 1f : 0f;
            case UnaryOp.InRange: return x >= a && x <= b ? 1f : 0f;
            default: return float.NaN;
        }
    }

    /// <summary>
    /// Broadcasting binary op: y[i] = a ∘ b, y contiguous, a and b read through the strides of
    /// <paramref name="layout"/> (0 along broadcast axes).
    /// </summary>
    public static void Binary(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, StridedLayout layout, int op, float alpha)
    {
        layout.Offsets(i, out int ia, out int ib);
        float x = a[ia], z = b[ib];
        float r;
        switch ((BinaryOp)op)
        {
            case BinaryOp.Add: r = x + z; break;
            case BinaryOp.Sub: r = x - z; break;
            case BinaryOp.Mul: r = x * z; break;
            case BinaryOp.Div: r = x / z; break;
            case BinaryOp.Equal: r = x == z ? 1f : 0f; break;
            case BinaryOp.Greater: r = x > z ? 1f : 0f; break;
            case BinaryOp.PassPositive: r = z > 0 || (alpha == 0 && float.IsNaN(z)) ? x : alpha * x; break; // NaN: ReLU's backward passes, LeakyReLU's scales
            default: r = float.NaN; break;
        }
        y[layout.Start + i] = r;
    }

    public static void Where(Index1D i, ArrayView<float> cond, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) =>
        y[i] = cond[i] != 0f ? a[i] : b[i];

    /// <summary>Gather: one thread per output element (i, c) copies table[indices[i], c]; NaN for an index outside the table.</summary>
    public static void Gather(Index1D index, ArrayView<float> table, ArrayView<float> indices, ArrayView<float> y, int rows, int width)
    {
        int i = index / width, c = index % width;
        float f = indices[i];
        y[index] = f >= 0 && f < rows && f == MathF.Floor(f) ? table[(long)(int)f * width + c] : float.NaN;
    }

    /// <summary>
    /// Scatter-add as a gather: one thread per output element (r, c) sums source[i, c] over the i
    /// whose index is r, in the order of i — no atomics, so the sums are deterministic.
    /// </summary>
    public static void ScatterAdd(Index1D index, ArrayView<float> source, ArrayView<float> indices, ArrayView<float> y, int count, int width)
    {
        int r = index / width, c = index % width;
        float sum = 0f;
        for (int i = 0; i < count; i++)
            if (indices[i] == r) sum += source[(long)i * width + c];
        y[index] = sum;
    }

    /// <summary>Strided copy: the first operand of <paramref name="layout"/> is the source, the second the destination.</summary>
    public static void Copy(Index1D i, ArrayView<float> src, ArrayView<float> dst, StridedLayout layout)
    {
        layout.Offsets(i, out int s, out int d);
        dst[d] = src[s];
    }

    /// <summary>im2col: one thread per patch-matrix entry (row, column); 0 where the window leaves the image.</summary>
    public static void Im2Col(Index1D index, ArrayView<float> image, ArrayView<float> cols, PatchGeometry g)
    {
        int columns = g.Batch * g.OutH * g.OutW;
        int row = index / columns, column = index % columns;
        int j = row % g.KernelW, i = row / g.KernelW % g.KernelH, c = row / (g.KernelW * g.KernelH);
        int ow = column % g.OutW, oh = column / g.OutW % g.OutH, b = column / (g.OutW * g.OutH);
        int ih = oh * g.Stride - g.PaddingH + i, iw = ow * g.Stride - g.PaddingW + j;
        cols[index] = ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width
            ? image[(((long)b * g.Channels + c) * g.Height + ih) * g.Width + iw] : 0f;
    }

    /// <summary>
    /// col2im as a gather: one thread per image element (b, c, h, w) sums the patch entries copied
    /// from it — window offsets (i, j) in order, keeping those where (h + ph − i) and (w + pw − j)
    /// are multiples of the stride and land inside the output grid. No atomics, so deterministic.
    /// </summary>
    public static void Col2Im(Index1D index, ArrayView<float> cols, ArrayView<float> image, PatchGeometry g)
    {
        int w = index % g.Width, h = index / g.Width % g.Height;
        int bc = index / (g.Width * g.Height);
        int c = bc % g.Channels, b = bc / g.Channels;
        long columns = (long)g.Batch * g.OutH * g.OutW;
        float sum = 0f;
        for (int i = 0; i < g.KernelH; i++)
        {
            int y = h + g.PaddingH - i;
            if (y < 0 || y % g.Stride != 0 || y / g.Stride >= g.OutH) continue;
            int oh = y / g.Stride;
            for (int j = 0; j < g.KernelW; j++)
            {
                int x = w + g.PaddingW - j;
                if (x < 0 || x % g.Stride != 0 || x / g.Stride >= g.OutW) continue;
                int row = (c * g.KernelH + i) * g.KernelW + j;
                sum += cols[row * columns + ((long)b * g.OutH + oh) * g.OutW + x / g.Stride];
            }
        }
        image[index] = sum;
    }

    /// <summary>Reduction of x viewed as [outer, extent, inner] over the middle axis; one thread per output, in order.</summary>
    public static void Reduce(Index1D i, ArrayView<float> x, ArrayView<float> y, int max, int extent, int inner)
    {
        int o = i / inner, k = i % inner;
        long at = (long)o * extent * inner + k;
        float acc = max != 0 ? float.NegativeInfinity : 0f;
        for (int e = 0; e < extent; e++, at += inner)
            acc = max != 0 ? MaxOrNaN(acc, x[at]) : acc + x[at];
        y[i] = acc;
    }

    /// <summary>
    /// The same reduction for long rows: one group per output. Thread t takes elements t, t + G,
    /// t + 2G, … of the row (G the group size, a multiple of the warp size). Each warp then halves
    /// its partial results through register shuffles (no shared memory, no barrier), lane 0
    /// writes the warp's result to shared memory, and the first warp combines those the same
    /// way. The order of operations is fixed by G and the warp size alone, so every run gives
    /// the same result.
    /// </summary>
    public static void ReduceRows(ArrayView<float> x, ArrayView<float> y, int max, int extent, int inner)
    {
        var perWarp = SharedMemory.GetDynamic<float>();
        int output = Grid.IdxX, t = Group.IdxX, size = Group.DimX;
        int o = output / inner, k = output % inner;
        long start = (long)o * extent * inner + k;
        float identity = max != 0 ? float.NegativeInfinity : 0f;
        float acc = identity;
        for (int e = t; e < extent; e += size)
            acc = Combine(max, acc, x[start + (long)e * inner]);
        acc = WarpReduce(max, acc);
        if (Warp.LaneIdx == 0) perWarp[Warp.WarpIdx] = acc;
        Group.Barrier();
        if (Warp.WarpIdx == 0)
        {
            int warps = size / Warp.WarpSize;
            acc = WarpReduce(max, Warp.LaneIdx < warps ? perWarp[Warp.LaneIdx] : identity);
            if (t == 0) y[output] = acc;
        }
    }

    /// <summary>Lane 0 gets the sum (or max) of the warp's values: log₂(warp size) shuffle-and-combine steps.</summary>
    private static float WarpReduce(int max, float value)
    {
        for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2)
            value = Combine(max, value, Warp.ShuffleDown(value, offset));
        return value;
    }

    private static float Combine(int max, float a, float b) => max != 0 ? MaxOrNaN(a, b) : a + b;

    /// <summary>
    /// The larger of a and b, NaN if either is NaN — PyTorch's max and .NET's MathF.Max. Written
    /// out because CUDA's max.f32 (what MathF.Max becomes in PTX) returns the other operand
    /// when one is NaN, which would hide a NaN from a reduction or a clamp.
    /// </summary>
    public static float MaxOrNaN(float a, float b) => a > b || float.IsNaN(a) ? a : b;

    /// <summary>The smaller of a and b, NaN if either is NaN (see <see cref="MaxOrNaN"/>).</summary>
    public static float MinOrNaN(float a, float b) => a < b || float.IsNaN(a) ? a : b;

    /// <summary>Rows (and columns) of C each thread computes: a 4×4 block held in registers.</summary>
    public const int Reg = 4;

    /// <summary>
    /// C = α·op(A)·op(B) + β·C, register-blocked. A group of T×T threads (T = <see cref="GemmArgs.Tile"/>:
    /// 16 on a GPU, 4 on the emulator, whose groups are small) computes a 4T×4T block of C; each
    /// thread a 4×4 block of it, in registers. Per step of T along k, the group stages a 4T×T slice
    /// of op(A) and a T×4T slice of op(B) in shared memory (each thread loading four elements of
    /// each, consecutive threads reading consecutive addresses when the operand is not
    /// transposed), then every thread does 16 multiply-adds per k: each value read from shared
    /// memory is used four times. Grid z is the batch. Sums run over k in order: deterministic.
    /// </summary>
    public static void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmArgs g)
    {
        int t = g.Tile, bm = Reg * t;
        var shared = SharedMemory.GetDynamic<float>();
        var tileA = shared.SubView(0, bm * t);       // tileA[p·bm + i] = op(A)[row0 + i, k0 + p]
        var tileB = shared.SubView(bm * t, bm * t);  // tileB[p·bm + j] = op(B)[k0 + p, col0 + j]
        int tx = Group.IdxX, ty = Group.IdxY, thread = ty * t + tx;
        int row0 = Grid.IdxY * bm, col0 = Grid.IdxX * bm;
        long batch = Grid.IdxZ;
        long aBase = g.AOffset + batch * g.StrideA, bBase = g.BOffset + batch * g.StrideB;

        var acc0 = new Row4(); var acc1 = new Row4(); var acc2 = new Row4(); var acc3 = new Row4();
        for (int k0 = 0; k0 < g.K; k0 += t)
        {
            for (int s = 0; s < Reg; s++)
            {
                int q = thread + s * t * t;
                int i = q / t, p = q % t;                 // A: k fastest
                int row = row0 + i, ka = k0 + p;
                tileA[p * bm + i] = row < g.M && ka < g.K
                    ? a[aBase + (g.TransA != 0 ? (long)ka * g.Lda + row : (long)row * g.Lda + ka)] : 0f;
                int pb = q / bm, j = q % bm;              // B: columns fastest
                int kb = k0 + pb, col = col0 + j;
                tileB[pb * bm + j] = kb < g.K && col < g.N
                    ? b[bBase + (g.TransB != 0 ? (long)col * g.Ldb + kb : (long)kb * g.Ldb + col)] : 0f;
            }
            Group.Barrier();
            for (int p = 0; p < t; p++)
            {
                int ai = p * bm + ty * Reg, bj = p * bm + tx * Reg;
                float b0 = tileB[bj], b1 = tileB[bj + 1], b2 = tileB[bj + 2], b3 = tileB[bj + 3];
                acc0.Add(tileA[ai], b0, b1, b2, b3);
                acc1.Add(tileA[ai + 1], b0, b1, b2, b3);
                acc2.Add(tileA[ai + 2], b0, b1, b2, b3);
                acc3.Add(tileA[ai + 3], b0, b1, b2, b3);
            }
            Group.Barrier();
        }
        int r0 = row0 + ty * Reg, c0 = col0 + tx * Reg;
        Store(c, bias, g, batch, r0, c0, acc0);
        Store(c, bias, g, batch, r0 + 1, c0, acc1);
        Store(c, bias, g, batch, r0 + 2, c0, acc2);
        Store(c, bias, g, batch, r0 + 3, c0, acc3);
    }

    /// <summary>Four accumulators of one row of a thread's 4×4 block (a struct, so they live in registers).</summary>
    public struct Row4
    {
        public float C0, C1, C2, C3;

        public void Add(float a, float b0, float b1, float b2, float b3)
        {
            C0 += a * b0;
            C1 += a * b1;
            C2 += a * b2;
            C3 += a * b3;
        }

        public readonly float this[int i] => i == 0 ? C0 : i == 1 ? C1 : i == 2 ? C2 : C3;
    }

    private static void Store(ArrayView<float> c, ArrayView<float> bias, GemmArgs g, long batch, int row, int col0, Row4 acc)
    {
        if (row >= g.M) return;
        long rowStart = g.COffset + batch * g.StrideC + (long)row * g.Ldc;
        for (int j = 0; j < Reg; j++)
        {
            int col = col0 + j;
            if (col >= g.N) return;
            StoreElement(c, bias, g, rowStart, row, col, acc[j]);
        }
    }

    /// <summary>Four consecutive floats: read from shared memory as one 128-bit load (ld.shared.v4.f32).</summary>
    public struct Float4
    {
        public float X, Y, Z, W;
    }

    /// <summary>Eight accumulators of one row of a thread's 8×8 block of C.</summary>
    public struct Row8
    {
        public float C0, C1, C2, C3, C4, C5, C6, C7;

        /// <summary>Row += a · (b0, b1): eight multiply-adds.</summary>
        public void Add(float a, Float4 b0, Float4 b1)
        {
            C0 += a * b0.X; C1 += a * b0.Y; C2 += a * b0.Z; C3 += a * b0.W;
            C4 += a * b1.X; C5 += a * b1.Y; C6 += a * b1.Z; C7 += a * b1.W;
        }

        public readonly float this[int i] => i switch
        {
            0 => C0, 1 => C1, 2 => C2, 3 => C3, 4 => C4, 5 => C5, 6 => C6, _ => C7,
        };
    }

    /// <summary>Depth of one slice of A and B staged in shared memory by <see cref="GemmWide"/>.</summary>
    public const int WideDepth = 8;

    /// <summary>Largest group side <see cref="GemmWide"/> is written for (16×16 threads), which sizes its shared memory.</summary>
    public const int WideMaxTile = 16;

    /// <summary>Floats between consecutive k in a staged slice: the block's 8T rows plus 4 of padding (see <see cref="GemmWide"/>).</summary>
    private const int WideStride = 8 * WideMaxTile + 4;

    /// <summary>
    /// C = α·op(A)·op(B) + β·C with an 8×8 block of C per thread: twice the reuse of
    /// <see cref="Gemm"/>. A group of T×T threads (16×16 on a GPU) computes an 8T×8T block of C
    /// (128×128). Per step of 8 along k, the group stages op(A)'s 8T×8 slice transposed (k-major)
    /// and op(B)'s 8×8T slice in shared memory; then, for each of the 8 k, every thread reads four
    /// 128-bit vectors (rows 4·ty…4·ty+3 and 4T+4·ty… of A, the same columns of B from tx) and does
    /// 64 multiply-adds: 16 flops per float read from shared memory, four times <see cref="Gemm"/>'s.
    /// A thread's rows and columns come in two groups of four, 4T apart, so that the 16 threads
    /// of a half-warp read 16 consecutive vectors of B (no bank conflict) and share those of A
    /// (a broadcast). The slices' rows are padded to 8T + 4 floats: staging a non-transposed A
    /// (8 consecutive k per row) then writes to 32 different banks. Sums run over k in order:
    /// deterministic.
    /// </summary>
    public static void GemmWide(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmArgs g)
    {
        const int depth = WideDepth, stride = WideStride;
        var tileA4 = SharedMemory.Allocate<Float4>(depth * stride / 4);   // tileA[p·stride + i] = op(A)[row0 + i, k0 + p]
        var tileB4 = SharedMemory.Allocate<Float4>(depth * stride / 4);   // tileB[p·stride + j] = op(B)[k0 + p, col0 + j]
        var tileA = tileA4.Cast<float>();
        var tileB = tileB4.Cast<float>();
        int t = g.Tile, half = 4 * t, block = 8 * t, blockShift = g.TileShift + 3, threads = t * t;
        int tx = Group.IdxX, ty = Group.IdxY, thread = ty * t + tx;
        int row0 = Grid.IdxY * block, col0 = Grid.IdxX * block;
        long batch = Grid.IdxZ;
        long aBase = g.AOffset + batch * g.StrideA, bBase = g.BOffset + batch * g.StrideB;

        Row8 acc0 = default, acc1 = default, acc2 = default, acc3 = default, acc4 = default, acc5 = default, acc6 = default, acc7 = default;
        for (int k0 = 0; k0 < g.K; k0 += depth)
        {
            // Stage the slices: block·depth elements of each, threads at a time. Consecutive
            // threads take consecutive addresses of the operand in memory (k fastest for a row-major
            // A and a transposed B, rows or columns fastest otherwise).
            for (int q = thread; q < block * depth; q += threads)
            {
                // block = 8T is a power of two, so q / block and q % block are a shift and a mask.
                int major = q >> blockShift, minor = q & (block - 1);
                int i = g.TransA != 0 ? minor : q / depth, pa = g.TransA != 0 ? major : q % depth;
                int row = row0 + i, ka = k0 + pa;
                tileA[pa * stride + i] = row < g.M && ka < g.K
                    ? a[aBase + (g.TransA != 0 ? (long)ka * g.Lda + row : (long)row * g.Lda + ka)] : 0f;
                int j = g.TransB != 0 ? q / depth : minor, pb = g.TransB != 0 ? q % depth : major;
                int col = col0 + j, kb = k0 + pb;
                tileB[pb * stride + j] = kb < g.K && col < g.N
                    ? b[bBase + (g.TransB != 0 ? (long)col * g.Ldb + kb : (long)kb * g.Ldb + col)] : 0f;
            }
            Group.Barrier();
            for (int p = 0; p < depth; p++)
            {
                int at = p * stride / 4;
                Float4 a0 = tileA4[at + ty], a1 = tileA4[at + t + ty];
                Float4 b0 = tileB4[at + tx], b1 = tileB4[at + t + tx];
                acc0.Add(a0.X, b0, b1); acc1.Add(a0.Y, b0, b1); acc2.Add(a0.Z, b0, b1); acc3.Add(a0.W, b0, b1);
                acc4.Add(a1.X, b0, b1); acc5.Add(a1.Y, b0, b1); acc6.Add(a1.Z, b0, b1); acc7.Add(a1.W, b0, b1);
            }
            Group.Barrier();
        }
        int r0 = row0 + 4 * ty, r1 = row0 + half + 4 * ty, c0 = col0 + 4 * tx, c1 = col0 + half + 4 * tx;
        StoreWide(c, bias, g, batch, r0, c0, c1, acc0);
        StoreWide(c, bias, g, batch, r0 + 1, c0, c1, acc1);
        StoreWide(c, bias, g, batch, r0 + 2, c0, c1, acc2);
        StoreWide(c, bias, g, batch, r0 + 3, c0, c1, acc3);
        StoreWide(c, bias, g, batch, r1, c0, c1, acc4);
        StoreWide(c, bias, g, batch, r1 + 1, c0, c1, acc5);
        StoreWide(c, bias, g, batch, r1 + 2, c0, c1, acc6);
        StoreWide(c, bias, g, batch, r1 + 3, c0, c1, acc7);
    }

    /// <summary>One row of a thread's 8×8 block: columns c0…c0+3 from acc[0..3], c1…c1+3 from acc[4..7].</summary>
    private static void StoreWide(ArrayView<float> c, ArrayView<float> bias, GemmArgs g, long batch, int row, int c0, int c1, Row8 acc)
    {
        if (row >= g.M) return;
        long rowStart = g.COffset + batch * g.StrideC + (long)row * g.Ldc;
        for (int j = 0; j < 8; j++)
        {
            int col = (j < 4 ? c0 : c1 - 4) + j;
            if (col >= g.N) continue;
            StoreElement(c, bias, g, rowStart, row, col, acc[j]);
        }
    }

    /// <summary>
    /// C[row, col] = act(α·sum + β·C[row, col] + bias) (see <see cref="GemmEpilogue"/>), C starting
    /// at <paramref name="rowStart"/>. C is not read when β is 0 (it may hold anything, NaN included).
    /// </summary>
    private static void StoreElement(ArrayView<float> c, ArrayView<float> bias, GemmArgs g, long rowStart, int row, int col, float sum)
    {
        long at = rowStart + col;
        float v = g.Beta == 0f ? g.Alpha * sum : g.Alpha * sum + g.Beta * c[at];
        if (g.HasBias != 0) v += bias[g.BiasPerRow != 0 ? row : col];
        // The activation is the unary kernel's own, so a fused layer's output equals the unfused one's to the last bit.
        if (g.Activation == GemmActivation.Relu) v = UnaryValue((int)UnaryOp.Relu, v, 0f, 0f);
        else if (g.Activation == GemmActivation.LeakyRelu) v = UnaryValue((int)UnaryOp.LeakyRelu, v, g.Slope, 0f);
        c[at] = v;
    }

    public static void SgdUpdate(Index1D i, ArrayView<float> p, ArrayView<float> grad, ArrayView<float> buf, float lr, float momentum, float wd)
    {
        float d = grad[i] + wd * p[i];
        if (momentum != 0) d = buf[i] = momentum * buf[i] + d;
        p[i] -= lr * d;
    }

    public static void RmsPropUpdate(Index1D i, ArrayView<float> p, ArrayView<float> grad, ArrayView<float> s, float lr, float alpha, float eps, float wd)
    {
        float d = grad[i] + wd * p[i];
        float v = alpha * s[i] + (1f - alpha) * (d * d);
        s[i] = v;
        p[i] -= lr * d / (MathF.Sqrt(v) + eps);
    }

    public static void AdamUpdate(Index1D i, ArrayView<float> p, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v,
        float beta1, float beta2, float eps, float wd, float stepSize, float correction2Sqrt)
    {
        float d = grad[i] + wd * p[i];
        float mi = beta1 * m[i] + (1f - beta1) * d;
        float vi = beta2 * v[i] + (1f - beta2) * (d * d);
        m[i] = mi;
        v[i] = vi;
        p[i] -= stepSize * mi / (MathF.Sqrt(vi) / correction2Sqrt + eps);
    }
}
