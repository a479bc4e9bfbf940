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

    public Backend Inner { get; } = inner;

    public override string Name => Inner.Name;

    /// <summary>Kernel calls (and transfers, as "upload" and "download") since the last <see cref="Reset"/>, by kind.</summary>
    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>Kernel calls since the last <see cref="Reset"/>, transfers not included.</summary>
    public int Kernels => _counts.Where(c => c.Key is not ("upload" or "download")).Sum(c => c.Value);

    public void Reset() => _counts.Clear();

    private void Count(string kind) => _counts[kind] = _counts.GetValueOrDefault(kind) + 1;

    public override DeviceBuffer Allocate(int length) => Inner.Allocate(length);

    /// <summary>Not reached: the buffers belong to the inner backend, and go back to it.</summary>
    protected internal override void Release(DeviceBuffer buffer) =>
        throw new InvalidOperationException("A KernelCounter owns no buffers; they are released to the backend it wraps.");

    public override void Upload(ReadOnlySpan<float> src, DeviceBuffer dst, int dstOffset = 0)
    {
        Count("upload");
        Inner.Upload(src, dst, dstOffset);
    }

    public override void Download(DeviceBuffer src, int srcOffset, Span<float> dst)
    {
        Count("download");
        Inner.Download(src, srcOffset, dst);
    }

    public override void Synchronize() => Inner.Synchronize();

    public override void Fill(DeviceBuffer y, int n, float value)
    {
        Count("fill");
        Inner.Fill(y, n, value);
    }

    public override void Arange(DeviceBuffer y, int n, float start, float step)
    {
        Count("arange");
        Inner.Arange(y, n, start, step);
    }

    public override void Random(DeviceBuffer y, int n, RandomDistribution distribution, ulong seed, ulong offset, float a, float b)
    {
        Count("random");
        Inner.Random(y, n, distribution, seed, offset, a, b);
    }

    public override void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int n, float alpha = 0, float beta = 0)
    {
        Count("unary");
        Inner.Unary(op, x, y, n, alpha, beta);
    }

    public override void Binary(BinaryOp op, DeviceBuffer a, ReadOnlySpan<int> aStrides, DeviceBuffer b, ReadOnlySpan<int> bStrides,
        DeviceBuffer y, ReadOnlySpan<int> shape, float alpha = 0)
    {
        Count("binary");
        Inner.Binary(op, a, aStrides, b, bStrides, y, shape, alpha);
    }

    public override void Where(DeviceBuffer cond, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n)
    {
        Count("where");
        Inner.Where(cond, a, b, y, n);
    }

    public override void Gather(DeviceBuffer table, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        Count("gather");
        Inner.Gather(table, indices, y, count, rows, width);
    }

    public override void ScatterAdd(DeviceBuffer source, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        Count("scatter_add");
        Inner.ScatterAdd(source, indices, y, count, rows, width);
    }

    public override void Copy(DeviceBuffer src, int srcOffset, ReadOnlySpan<int> srcStrides,
        DeviceBuffer dst, int dstOffset, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
    {
        Count("copy");
        Inner.Copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
    }

    public override void Im2Col(DeviceBuffer image, DeviceBuffer cols, PatchGeometry g)
    {
        Count("im2col");
        Inner.Im2Col(image, cols, g);
    }

    public override void Col2Im(DeviceBuffer cols, DeviceBuffer image, PatchGeometry g)
    {
        Count("col2im");
        Inner.Col2Im(cols, image, g);
    }

    public override void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, int outer, int extent, int inner)
    {
        Count("reduce");
        Inner.Reduce(op, x, y, outer, extent, inner);
    }

    public override void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer a, int aOffset, int lda, long strideA,
        DeviceBuffer b, int bOffset, int ldb, long strideB,
        float beta, DeviceBuffer c, int cOffset, int ldc, long strideC, int batch = 1, GemmEpilogue epilogue = default)
    {
        Count(epilogue.IsNone ? "gemm" : "gemm_epilogue");
        Inner.Gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb, strideB, beta, c, cOffset, ldc, strideC, batch, epilogue);
    }

    public override void SgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentumBuffer, int n, float lr, float momentum, float weightDecay)
    {
        Count("sgd");
        Inner.SgdUpdate(param, grad, momentumBuffer, n, lr, momentum, weightDecay);
    }

    public override void RmsPropUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer squareAverage, int n, float lr, float alpha, float eps, float weightDecay)
    {
        Count("rmsprop");
        Inner.RmsPropUpdate(param, grad, squareAverage, n, lr, alpha, eps, weightDecay);
    }

    public override void AdamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, float biasCorrection1, float biasCorrection2)
    {
        Count("adam");
        Inner.AdamUpdate(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2);
    }
}
