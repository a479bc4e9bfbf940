using System.Runtime.Intrinsics;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// The reference backend: host memory, SIMD C# and a thread per core. Every other backend is
/// tested against this one. Kernels run synchronously, so <see cref="Synchronize"/> has nothing to wait for.
/// </summary>
public sealed unsafe partial class CpuBackend : Backend
{
    /// <summary>The one CPU backend of the process.</summary>
    public static CpuBackend Instance { get; } = new();

    /// <summary>Released arrays, by their buffers' exact length: a training step allocates the same sizes every time.</summary>
    private readonly Dictionary<int, Stack<float[]>> _pool = [];
    private long _pooledBytes;
    private const long MaxPooledBytes = 1L << 30;

    private CpuBackend() { }

    public override string Name => "cpu";

    public override DeviceBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        lock (_pool)
        {
            if (_pool.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                _pooledBytes -= 4L * length;
                return new CpuBuffer(this, stack.Pop(), length);
            }
        }
        return new CpuBuffer(this, GC.AllocateUninitializedArray<float>(length + CpuBuffer.Slack, pinned: true), length);
    }

    protected internal override void Release(DeviceBuffer buffer)
    {
        var cpu = (CpuBuffer)buffer;
        cpu.ReleasePacks();
        var array = cpu.Array;
        int length = buffer.Length;
        lock (_pool)
        {
            if (_pooledBytes + 4L * length > MaxPooledBytes) return; // let the collector have it
            if (!_pool.TryGetValue(length, out var stack)) _pool[length] = stack = new Stack<float[]>();
            stack.Push(array);
            _pooledBytes += 4L * length;
        }
    }

    private static CpuBuffer Cpu(DeviceBuffer buffer) => buffer as CpuBuffer
        ?? throw new ArgumentException($"A buffer of backend '{buffer.Backend.Name}' was given to the CPU backend.");

    private static float* Ptr(DeviceBuffer buffer) => Cpu(buffer).Pointer;

    /// <summary>The address of a buffer the kernel only reads (it does not count as written: see <see cref="CpuBuffer.Version"/>).</summary>
    private static float* ReadPtr(DeviceBuffer buffer) => Cpu(buffer).ReadPointer;

    public override void Upload(ReadOnlySpan<float> src, DeviceBuffer dst, int dstOffset = 0) =>
        src.CopyTo(Cpu(dst).Span[dstOffset..]);

    public override void Download(DeviceBuffer src, int srcOffset, Span<float> dst) =>
        Cpu(src).Span.Slice(srcOffset, dst.Length).CopyTo(dst);

    public override void Synchronize() { }

    public override void Fill(DeviceBuffer y, int n, float value) => Cpu(y).Span[..n].Fill(value);

    public override void Arange(DeviceBuffer y, int n, float start, float step)
    {
        var span = Cpu(y).Span;
        for (int i = 0; i < n; i++) span[i] = start + i * step;
    }

    public override void Random(DeviceBuffer y, int n, RandomDistribution distribution, ulong seed, ulong offset, float a, float b)
    {
        float* p = Ptr(y);
        nint py = (nint)p;
        CpuParallel.For(n, 4096, (start, end) => PhiloxLanes.Fill((float*)py + start, start, end, distribution, seed, offset, a, b));
    }

    public override void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int n, float alpha = 0, float beta = 0)
    {
        float* px = Ptr(x), py = Ptr(y);
        switch (op)
        {
            case UnaryOp.Neg: Elementwise.Map<NegOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Exp: Elementwise.Map<ExpOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Log: Elementwise.Map<LogOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Sqrt: Elementwise.Map<SqrtOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Abs: Elementwise.Map<AbsOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Square: Elementwise.Map<SquareOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Relu: Elementwise.Map<ReluOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Tanh: Elementwise.Map<TanhOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Sigmoid: Elementwise.Map<SigmoidOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Softplus: Elementwise.Map<SoftplusOp>(px, py, n, alpha, beta); break;
            case UnaryOp.LeakyRelu: Elementwise.Map<LeakyReluOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Pow: Elementwise.Map<PowOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Clamp: Elementwise.Map<ClampOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Sign: Elementwise.Map<SignOp>(px, py, n, alpha, beta); break;
            case UnaryOp.Affine: Elementwise.Map<AffineOp>(px, py, n, alpha, beta); break;
            case UnaryOp.GreaterThan: Elementwise.Map<GreaterThanOp>(px, py, n, alpha, beta); break;
            case UnaryOp.InRange: Elementwise.Map<InRangeOp>(px, py, n, alpha, beta); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown unary op.");
        }
    }

    public override void Binary(BinaryOp op, DeviceBuffer a, ReadOnlySpan<int> aStrides, DeviceBuffer b, ReadOnlySpan<int> bStrides,
        DeviceBuffer y, ReadOnlySpan<int> shape, float alpha = 0)
    {
        float* pa = Ptr(a), pb = Ptr(b), py = Ptr(y);
        switch (op)
        {
            case BinaryOp.Add: BinaryKernel.Run<AddOp>(pa, aStrides, pb, bStrides, py, shape, alpha); break;
            case BinaryOp.Sub: BinaryKernel.Run<SubOp>(pa, aStrides, pb, bStrides, py, shape, alpha); break;
            case BinaryOp.Mul: BinaryKernel.Run<MulOp>(pa, aStrides, pb, bStrides, py, shape, alpha); break;
            case BinaryOp.Div: BinaryKernel.Run<DivOp>(pa, aStrides, pb, bStrides, py, shape, alpha); break;
            case BinaryOp.Equal: BinaryKernel.Run<EqualOp>(pa, aStrides, pb, bStrides, py, shape, alpha); break;
            case BinaryOp.Greater: BinaryKernel.Run<GreaterOp>(pa, aStrides, pb, bStrides, py, shape, alpha); break;
            case BinaryOp.PassPositive: BinaryKernel.Run<PassPositiveOp>(pa, aStrides, pb, bStrides, py, shape, alpha); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown binary op.");
        }
    }

    public override void Where(DeviceBuffer cond, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n)
    {
        nint pc = (nint)Ptr(cond), pa = (nint)Ptr(a), pb = (nint)Ptr(b), py = (nint)Ptr(y);
        CpuParallel.For(n, 1 << 15, (start, end) =>
        {
            float* cs = (float*)pc, xa = (float*)pa, xb = (float*)pb, ys = (float*)py;
            for (int i = start; i < end; i++) ys[i] = cs[i] != 0f ? xa[i] : xb[i];
        });
    }

    public override void Gather(DeviceBuffer table, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        float* t = Ptr(table), idx = Ptr(indices), ys = Ptr(y);
        for (int i = 0; i < count; i++)
        {
            var row = new Span<float>(ys + (long)i * width, width);
            float f = idx[i];
            if (f >= 0 && f < rows && f == MathF.Floor(f)) new ReadOnlySpan<float>(t + (long)(int)f * width, width).CopyTo(row);
            else row.Fill(float.NaN);
        }
    }

    public override void ScatterAdd(DeviceBuffer source, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        float* src = Ptr(source), idx = Ptr(indices), ys = Ptr(y);
        new Span<float>(ys, rows * width).Clear();
        for (int i = 0; i < count; i++)
        {
            float f = idx[i];
            if (!(f >= 0 && f < rows && f == MathF.Floor(f))) continue;
            float* d = ys + (long)(int)f * width, s = src + (long)i * width;
            for (int c = 0; c < width; c++) d[c] += s[c];
        }
    }

    public override void Copy(DeviceBuffer src, int srcOffset, ReadOnlySpan<int> srcStrides,
        DeviceBuffer dst, int dstOffset, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
    {
        var axes = StridedShape.Collapse(shape, srcStrides, dstStrides);
        float* s = Ptr(src) + srcOffset, d = Ptr(dst) + dstOffset;
        if (axes.Extents[^1] < ShortRow && axes.Rank > 1) CopyShortRows(axes, s, d);
        else CopyRows(new RowLayout(axes), s, d);
    }

    /// <summary>Rows shorter than this are copied a tile of rows at a time (<see cref="CopyShortRows"/>).</summary>
    private const int ShortRow = 8;

    /// <summary>Row by row: a block copy where both are contiguous, a fill where the source is broadcast, else element by element.</summary>
    private static void CopyRows(RowLayout layout, float* src, float* dst)
    {
        int inner = layout.Inner;
        int ss = layout.InnerStride1, ds = layout.InnerStride2;
        nint ps = (nint)src, pd = (nint)dst;
        CpuParallel.For(layout.Count, Math.Max(1, (1 << 15) / Math.Max(1, inner)), (start, end) =>
        {
            var row = layout.Cursor(start);
            for (int r = start; r < end; r++, row.Next())
            {
                float* s = (float*)ps + row.First;
                float* d = (float*)pd + row.Second;
                if (ss == 1 && ds == 1)
                    new ReadOnlySpan<float>(s, inner).CopyTo(new Span<float>(d, inner));
                else if (ss == 0 && ds == 1)
                    new Span<float>(d, inner).Fill(*s);
                else
                    for (int i = 0; i < inner; i++) d[(long)i * ds] = s[(long)i * ss];
            }
        });
    }

    /// <summary>
    /// Rows of fewer than <see cref="ShortRow"/> elements — a 2× nearest upsampling of [n, c, h, w]
    /// is n·c·h·2 tiles of w rows of 2, each row one source element twice — copied a tile (the last
    /// two axes) at a time, so the walk over the outer axes is paid per tile, not per row. Where a
    /// tile is exactly that upsampling's (each source element of a contiguous row written twice in a
    /// row) four source elements become eight in two vector shuffles.
    /// </summary>
    private static void CopyShortRows(CollapsedAxes axes, float* src, float* dst)
    {
        int inner = axes.Extents[^1], ss = axes.Strides1[^1], ds = axes.Strides2[^1];
        var tiles = new RowLayout(axes.WithoutLast());
        int rows = tiles.Inner, rs = tiles.InnerStride1, rd = tiles.InnerStride2;
        bool twice = inner == 2 && ss == 0 && ds == 1 && rs == 1 && rd == 2;
        nint ps = (nint)src, pd = (nint)dst;
        CpuParallel.For(tiles.Count, Math.Max(1, (1 << 15) / Math.Max(1, rows * inner)), (start, end) =>
        {
            var tile = tiles.Cursor(start);
            for (int t = start; t < end; t++, tile.Next())
            {
                float* s = (float*)ps + tile.First;
                float* d = (float*)pd + tile.Second;
                int r = 0;
                if (twice)
                    for (; r <= rows - 4; r += 4)
                    {
                        var four = Vector128.Load(s + r);
                        Vector128.Shuffle(four, Vector128.Create(0, 0, 1, 1)).Store(d + 2 * r);
                        Vector128.Shuffle(four, Vector128.Create(2, 2, 3, 3)).Store(d + 2 * r + 4);
                    }
                for (; r < rows; r++)
                    for (int i = 0; i < inner; i++) d[(long)r * rd + (long)i * ds] = s[(long)r * rs + (long)i * ss];
            }
        });
    }

    public override void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, int outer, int extent, int inner)
    {
        nint px = (nint)Ptr(x), py = (nint)Ptr(y);
        bool max = op == ReduceOp.Max;
        if (inner == 1)
        {
            CpuParallel.For(outer, Math.Max(1, (1 << 14) / Math.Max(1, extent)), (start, end) =>
            {
                for (int o = start; o < end; o++)
                {
                    float* row = (float*)px + (long)o * extent;
                    ((float*)py)[o] = max ? RowMax(row, extent) : RowSum(row, extent);
                }
            });
            return;
        }
        // Reduce along a strided axis: accumulate whole rows of `inner` elements, in order of e.
        CpuParallel.For(outer, Math.Max(1, (1 << 14) / Math.Max(1, extent * inner)), (start, end) =>
        {
            for (int o = start; o < end; o++)
            {
                float* dst = (float*)py + (long)o * inner;
                float* src = (float*)px + (long)o * extent * inner;
                new ReadOnlySpan<float>(src, inner).CopyTo(new Span<float>(dst, inner));
                for (int e = 1; e < extent; e++)
                {
                    float* s = src + (long)e * inner;
                    int i = 0;
                    for (; i <= inner - 8; i += 8)
                    {
                        var acc = Vector256.Load(dst + i);
                        var v = Vector256.Load(s + i);
                        (max ? Vector256.Max(acc, v) : acc + v).Store(dst + i);
                    }
                    for (; i < inner; i++) dst[i] = max ? MathF.Max(dst[i], s[i]) : dst[i] + s[i];
                }
            }
        });
    }

    /// <summary>Sum of a contiguous row: four 8-lane accumulators, then a fixed-order fold.</summary>
    private static float RowSum(float* x, int n)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int i = 0;
        for (; i <= n - 32; i += 32)
        {
            s0 += Vector256.Load(x + i);
            s1 += Vector256.Load(x + i + 8);
            s2 += Vector256.Load(x + i + 16);
            s3 += Vector256.Load(x + i + 24);
        }
        for (; i <= n - 8; i += 8) s0 += Vector256.Load(x + i);
        float sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++) sum += x[i];
        return sum;
    }

    private static float RowMax(float* x, int n)
    {
        float m = float.NegativeInfinity;
        int i = 0;
        if (n >= 8)
        {
            var acc = Vector256.Load(x);
            for (i = 8; i <= n - 8; i += 8) acc = Vector256.Max(acc, Vector256.Load(x + i));
            for (int lane = 0; lane < 8; lane++) m = MathF.Max(m, acc[lane]);
        }
        for (; i < n; i++) m = MathF.Max(m, x[i]);
        return m;
    }

    public override void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer a, int aOffset, int lda, long strideA,
        DeviceBuffer b, int bOffset, int ldb, long strideB,
        float beta, DeviceBuffer c, int cOffset, int ldc, long strideC, int batch = 1, GemmEpilogue epilogue = default)
    {
        float* pa = ReadPtr(a) + aOffset, pb = ReadPtr(b) + bOffset, pc = Ptr(c) + cOffset;
        var fused = Fused(epilogue);
        // A single product may keep op(B)'s packing with b (a weight is op(B) of many products between
        // its writes); not where it writes b itself.
        var bSource = batch == 1 && !ReferenceEquals(b, c) ? Cpu(b) : null;
        for (int i = 0; i < batch; i++)
            CpuGemm.Multiply(transA, transB, m, n, k, alpha, pa + i * strideA, lda, pb + i * strideB, ldb, beta, pc + i * strideC, ldc, fused, bSource);
    }

    /// <summary>Summed pixel by pixel where <see cref="CpuGemm.SumsIntoImagesDirectly"/> (<see cref="CpuGemm.ProductIntoImages"/>), else through the product.</summary>
    public override void Col2ImGemm(int m, DeviceBuffer w, DeviceBuffer u, DeviceBuffer images, PatchGeometry g)
    {
        if (CpuGemm.SumsIntoImagesDirectly(m, g)) CpuGemm.ProductIntoImages(m, Ptr(w), Ptr(u), Ptr(images), g);
        else Col2ImGemmThroughPatches(m, w, u, images, g);
    }

    /// <summary>The direct convolution writes the images itself (no product to permute); otherwise the product, then the permute.</summary>
    public override void PatchGemmImages(int m, DeviceBuffer w, int lda, DeviceBuffer images, PatchGeometry g, DeviceBuffer y, GemmEpilogue epilogue = default)
    {
        if (!(CpuGemm.PacksPatches(m, g.Columns, g.Rows) && CpuGemm.ConvolvesDirectly(g)))
        {
            base.PatchGemmImages(m, w, lda, images, g, y, epilogue);
            return;
        }
        CpuGemm.ConvolveDirect(false, m, Ptr(w), lda, Ptr(images), g, Ptr(y), g.OutH * g.OutW, Fused(epilogue), nchw: true);
    }

    /// <summary>
    /// The packed products read the patch matrix's panels straight from the images
    /// (<see cref="CpuGemm.MultiplyPatches"/>); thin ones, which do not pack, multiply it written out.
    /// </summary>
    public override void PatchGemm(bool transposed, int m, float alpha, DeviceBuffer a, int aOffset, int lda,
        DeviceBuffer images, PatchGeometry g, float beta, DeviceBuffer c, int cOffset, int ldc, GemmEpilogue epilogue = default)
    {
        if (!CpuGemm.PacksPatches(m, transposed ? g.Rows : g.Columns, transposed ? g.Columns : g.Rows))
        {
            PatchGemmThroughIm2Col(transposed, m, alpha, a, aOffset, lda, images, g, beta, c, cOffset, ldc, epilogue);
            return;
        }
        CpuGemm.MultiplyPatches(transposed, m, alpha, Ptr(a) + aOffset, lda, Ptr(images), g, beta, Ptr(c) + cOffset, ldc, Fused(epilogue));
    }

    /// <summary>A GEMM's epilogue as the CPU kernels take it: the bias as a pointer.</summary>
    private static CpuGemm.Epilogue Fused(GemmEpilogue epilogue) =>
        new(epilogue.Bias is null ? null : ReadPtr(epilogue.Bias), epilogue.BiasAlong, epilogue.Activation, epilogue.Slope);
}
