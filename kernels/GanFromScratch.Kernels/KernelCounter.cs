namespace GanFromScratch.Kernels;

/// <summary>
/// A backend that passes every call on to another and counts them: kernel calls by kind,
/// and transfers between host and device. (A call is one launch on a GPU, but for a traversal
/// of more than four unmergeable axes, which the ILGPU backend splits.) On a GPU, a small network's training step is bound
/// by how many kernels it launches rather than by their arithmetic, so this count is the figure
/// that fusion (such as a GEMM's bias/activation epilogue) lowers. Buffers are the inner
/// backend's own, so tensors made here work there.
/// </summary>
public sealed class KernelCounter(Backend inner) : Backend
{
    private readonly Dictionary<string, int> _counts = [];
    private readonly Dictionary<string, long> _ticks = [];
    private readonly Dictionary<GemmProduct, (int Calls, long Ticks)> _gemms = [];

    public Backend Inner { get; } = inner;

    public override string Name => Inner.Name;

    /// <summary>Kernel calls (and transfers, as "upload" and "download") since the last <see cref="Reset"/>, by kind.</summary>
    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>Kernel calls since the last <see cref="Reset"/>, transfers not included.</summary>
    public int Kernels => _counts.Where(c => c.Key is not ("upload" or "download")).Sum(c => c.Value);

    /// <summary>
    /// Milliseconds spent in each kind of call since the last <see cref="Reset"/>, measured around
    /// the call. On the CPU a kernel runs inside its call, so this is its time; on a GPU, where
    /// kernels are queued, it is the time to launch them (and a download's, the wait for all of them).
    /// </summary>
    public IReadOnlyDictionary<string, double> Milliseconds =>
        _ticks.ToDictionary(t => t.Key, t => t.Value * 1000.0 / System.Diagnostics.Stopwatch.Frequency);

    /// <summary>
    /// The GEMMs by shape: how many calls of each and the milliseconds they took, with the rate
    /// (2·m·n·k·batch flops per call) — which products to make faster next.
    /// </summary>
    public IReadOnlyList<GemmProductTime> GemmsByShape =>
        [.. _gemms.Select(g => new GemmProductTime(g.Key, g.Value.Calls, g.Value.Ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency))
            .OrderByDescending(g => g.Milliseconds)];

    public void Reset()
    {
        _counts.Clear();
        _ticks.Clear();
        _gemms.Clear();
    }

    /// <summary>
    /// Counts a call of <paramref name="kind"/> and times it until the returned scope ends; a
    /// product's call and time are also added to its shape's (<see cref="GemmsByShape"/>).
    /// </summary>
    private Timed Time(string kind, GemmProduct? product = null)
    {
        _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
        return new Timed(this, kind, product, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private readonly struct Timed(KernelCounter counter, string kind, GemmProduct? product, long start) : IDisposable
    {
        public void Dispose()
        {
            long ticks = System.Diagnostics.Stopwatch.GetTimestamp() - start;
            counter._ticks[kind] = counter._ticks.GetValueOrDefault(kind) + ticks;
            if (product is not { } shape) return;
            var (calls, sum) = counter._gemms.GetValueOrDefault(shape);
            counter._gemms[shape] = (calls + 1, sum + ticks);
        }
    }

    public override DeviceBuffer Allocate(int length) => Inner.Allocate(length);

    /// <summary>The backend it wraps owns the buffers, so it keeps their count.</summary>
    public override long LiveBytes => Inner.LiveBytes;
    public override long PeakLiveBytes => Inner.PeakLiveBytes;
    public override void ResetPeak() => Inner.ResetPeak();

    /// <summary>Not reached: the buffers belong to the inner backend, and go back to it.</summary>
    protected internal override void Release(DeviceBuffer buffer) =>
        throw new InvalidOperationException("A KernelCounter owns no buffers; they are released to the backend it wraps.");

    public override void Upload(ReadOnlySpan<float> src, DeviceBuffer dst, int dstOffset = 0)
    {
        using var timed = Time("upload");
        Inner.Upload(src, dst, dstOffset);
    }

    public override void Download(DeviceBuffer src, int srcOffset, Span<float> dst)
    {
        using var timed = Time("download");
        Inner.Download(src, srcOffset, dst);
    }

    public override void Synchronize() => Inner.Synchronize();

    public override void Fill(DeviceBuffer y, int n, float value)
    {
        using var timed = Time("fill");
        Inner.Fill(y, n, value);
    }

    public override void Arange(DeviceBuffer y, int n, float start, float step)
    {
        using var timed = Time("arange");
        Inner.Arange(y, n, start, step);
    }

    public override void Random(DeviceBuffer y, int n, RandomDistribution distribution, ulong seed, ulong offset, float a, float b)
    {
        using var timed = Time("random");
        Inner.Random(y, n, distribution, seed, offset, a, b);
    }

    public override void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int n, float alpha = 0, float beta = 0)
    {
        using var timed = Time("unary");
        Inner.Unary(op, x, y, n, alpha, beta);
    }

    public override void Binary(BinaryOp op, DeviceBuffer a, ReadOnlySpan<int> aStrides, DeviceBuffer b, ReadOnlySpan<int> bStrides,
        DeviceBuffer y, ReadOnlySpan<int> shape, float alpha = 0)
    {
        using var timed = Time("binary");
        Inner.Binary(op, a, aStrides, b, bStrides, y, shape, alpha);
    }

    public override void Where(DeviceBuffer cond, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n)
    {
        using var timed = Time("where");
        Inner.Where(cond, a, b, y, n);
    }

    public override void Gather(DeviceBuffer table, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        using var timed = Time("gather");
        Inner.Gather(table, indices, y, count, rows, width);
    }

    public override void ScatterAdd(DeviceBuffer source, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        using var timed = Time("scatter_add");
        Inner.ScatterAdd(source, indices, y, count, rows, width);
    }

    public override void Copy(DeviceBuffer src, int srcOffset, ReadOnlySpan<int> srcStrides,
        DeviceBuffer dst, int dstOffset, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
    {
        using var timed = Time("copy");
        Inner.Copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
    }

    public override void Im2Col(DeviceBuffer image, DeviceBuffer cols, PatchGeometry g)
    {
        using var timed = Time("im2col");
        Inner.Im2Col(image, cols, g);
    }

    public override void Col2Im(DeviceBuffer cols, DeviceBuffer image, PatchGeometry g)
    {
        using var timed = Time("col2im");
        Inner.Col2Im(cols, image, g);
    }

    public override void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, int outer, int extent, int inner)
    {
        using var timed = Time("reduce");
        Inner.Reduce(op, x, y, outer, extent, inner);
    }

    public override void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer a, int aOffset, int lda, long strideA,
        DeviceBuffer b, int bOffset, int ldb, long strideB,
        float beta, DeviceBuffer c, int cOffset, int ldc, long strideC, int batch = 1, GemmEpilogue epilogue = default)
    {
        using var timed = Time(epilogue.IsNone ? "gemm" : "gemm_epilogue", new GemmProduct(transA, transB, m, n, k, batch, !epilogue.IsNone));
        Inner.Gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb, strideB, beta, c, cOffset, ldc, strideC, batch, epilogue);
    }

    public override void PatchGemm(bool transposed, int m, float alpha, DeviceBuffer a, int aOffset, int lda,
        DeviceBuffer images, PatchGeometry g, float beta, DeviceBuffer c, int cOffset, int ldc, GemmEpilogue epilogue = default)
    {
        using var timed = Time("patch_gemm",
            new GemmProduct(false, transposed, m, transposed ? g.Rows : g.Columns, transposed ? g.Columns : g.Rows, 1, !epilogue.IsNone, GemmPatches.Read));
        Inner.PatchGemm(transposed, m, alpha, a, aOffset, lda, images, g, beta, c, cOffset, ldc, epilogue);
    }

    /// <summary>One patch_gemm, as <see cref="PatchGemm"/> (a backend that permutes a product into the images does it inside the call).</summary>
    public override void PatchGemmImages(int m, DeviceBuffer w, int lda, DeviceBuffer images, PatchGeometry g, DeviceBuffer y, GemmEpilogue epilogue = default)
    {
        using var timed = Time("patch_gemm", new GemmProduct(false, false, m, g.Columns, g.Rows, 1, !epilogue.IsNone, GemmPatches.Read));
        Inner.PatchGemmImages(m, w, lda, images, g, y, epilogue);
    }

    public override void Col2ImGemm(int m, DeviceBuffer w, DeviceBuffer u, DeviceBuffer images, PatchGeometry g)
    {
        using var timed = Time("col2im_gemm", new GemmProduct(true, false, g.Rows, g.Columns, m, 1, false, GemmPatches.IntoImages));
        Inner.Col2ImGemm(m, w, u, images, g);
    }

    public override void SgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentumBuffer, int n, float lr, float momentum, float weightDecay)
    {
        using var timed = Time("sgd");
        Inner.SgdUpdate(param, grad, momentumBuffer, n, lr, momentum, weightDecay);
    }

    public override void RmsPropUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer squareAverage, int n, float lr, float alpha, float eps, float weightDecay)
    {
        using var timed = Time("rmsprop");
        Inner.RmsPropUpdate(param, grad, squareAverage, n, lr, alpha, eps, weightDecay);
    }

    public override void AdamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, float biasCorrection1, float biasCorrection2)
    {
        using var timed = Time("adam");
        Inner.AdamUpdate(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2);
    }
}

/// <summary>A GEMM's shape as the kernel counter groups calls: C (m×n) = op(A)·op(B) over k, <c>nt</c> = A·Bᵀ.</summary>
/// <param name="Patches">Where a patch matrix takes part: read as op(B) from images (<see cref="Backend.PatchGemm"/>), or C added into images (<see cref="Backend.Col2ImGemm"/>).</param>
public readonly record struct GemmProduct(bool TransA, bool TransB, int M, int N, int K, int Batch, bool Epilogue, GemmPatches Patches = GemmPatches.None)
{
    /// <summary>nn, nt, tn or tt; "np" and "npᵀ" where B is a patch matrix, "tn→col2im" where C goes into images.</summary>
    public string Op => Patches switch
    {
        GemmPatches.Read => TransB ? "npᵀ" : "np",
        GemmPatches.IntoImages => "tn→col2im",
        _ => $"{(TransA ? 't' : 'n')}{(TransB ? 't' : 'n')}",
    };

    /// <summary>"m×n×k", with "×batch" where the call multiplies several matrices.</summary>
    public string Size => Batch == 1 ? $"{M}x{N}x{K}" : $"{M}x{N}x{K} ×{Batch}";

    public double Flops => 2.0 * M * N * K * Batch;
}

/// <summary>How a product involves a convolution's patch matrix.</summary>
public enum GemmPatches { None, Read, IntoImages }

/// <summary>The calls of one GEMM shape and the time they took.</summary>
public readonly record struct GemmProductTime(GemmProduct Shape, int Calls, double Milliseconds)
{
    public double Gflops => Milliseconds > 0 ? Shape.Flops * Calls / (Milliseconds * 1e6) : 0;
}
