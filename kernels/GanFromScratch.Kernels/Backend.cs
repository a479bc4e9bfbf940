namespace GanFromScratch.Kernels;

/// <summary>
/// The kernel seam: every raw kernel the engine may call, over buffers of float32.
/// A backend knows nothing of tensors or autograd; it takes buffers, shapes and scalars.
/// </summary>
/// <remarks>
/// Rules every backend keeps:
/// <list type="bullet">
/// <item>Buffers may live where the host cannot read them (device memory). The only way to
/// see their contents is <see cref="Download"/>, which waits for all queued work.</item>
/// <item>Kernels may run asynchronously, in the order they were queued.</item>
/// <item>A buffer is released by <see cref="DeviceBuffer.Dispose"/>, never by the garbage
/// collector; the backend may pool it for reuse.</item>
/// <item>Shapes are given as <c>int</c> extents and element strides; rank is at most
/// <see cref="MaxRank"/>.</item>
/// </list>
/// </remarks>
public abstract class Backend : IDisposable
{
    /// <summary>The largest tensor rank any strided kernel accepts.</summary>
    public const int MaxRank = 8;

    /// <summary>A short name such as <c>cpu</c> or <c>cuda:0</c>.</summary>
    public abstract string Name { get; }

    // ---- memory --------------------------------------------------------------------------

    /// <summary>A buffer of <paramref name="length"/> floats; its contents are undefined.</summary>
    public abstract DeviceBuffer Allocate(int length);

    /// <summary>Returns a buffer to the backend (called by <see cref="DeviceBuffer.Dispose"/>).</summary>
    protected internal abstract void Release(DeviceBuffer buffer);

    private long _liveBytes, _peakBytes;

    /// <summary>
    /// Bytes of the buffers this backend handed out that are not yet disposed, as asked for (a pool
    /// may hold a block up to a quarter larger, and its spare blocks are not counted): the tensors'
    /// memory and, on the CPU, the GEMM's kept weight packings (<see cref="Cpu.PackedB"/>).
    /// </summary>
    public virtual long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>The most <see cref="LiveBytes"/> has been since the backend was made or since <see cref="ResetPeak"/>.</summary>
    public virtual long PeakLiveBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Starts <see cref="PeakLiveBytes"/> again from what is live now.</summary>
    public virtual void ResetPeak() => Interlocked.Exchange(ref _peakBytes, LiveBytes);

    /// <summary>A buffer of <paramref name="bytes"/> was handed out (positive) or disposed (negative).</summary>
    internal void CountLive(long bytes)
    {
        long live = Interlocked.Add(ref _liveBytes, bytes);
        for (long peak = Interlocked.Read(ref _peakBytes); live > peak; peak = Interlocked.Read(ref _peakBytes))
            if (Interlocked.CompareExchange(ref _peakBytes, live, peak) == peak) break;
    }

    /// <summary>Copies host data into <paramref name="dst"/> starting at element <paramref name="dstOffset"/>.</summary>
    public abstract void Upload(ReadOnlySpan<float> src, DeviceBuffer dst, int dstOffset = 0);

    /// <summary>Waits for queued work, then copies <paramref name="dst"/>.Length elements out.</summary>
    public abstract void Download(DeviceBuffer src, int srcOffset, Span<float> dst);

    /// <summary>Waits until every queued kernel has finished.</summary>
    public abstract void Synchronize();

    // ---- fills and random numbers ----------------------------------------------------------

    /// <summary>y[i] = value for i in [0, n).</summary>
    public abstract void Fill(DeviceBuffer y, int n, float value);

    /// <summary>y[i] = start + i·step.</summary>
    public abstract void Arange(DeviceBuffer y, int n, float start, float step);

    /// <summary>
    /// Counter-based random numbers: element i is a pure function of (seed, offset + i), so every
    /// backend gives the same numbers. See <see cref="Philox"/>.
    /// </summary>
    public abstract void Random(DeviceBuffer y, int n, RandomDistribution distribution, ulong seed, ulong offset, float a, float b);

    // ---- elementwise -----------------------------------------------------------------------

    /// <summary>y[i] = op(x[i]) over n contiguous elements; <paramref name="alpha"/> and
    /// <paramref name="beta"/> are the op's parameters (see <see cref="UnaryOp"/>).</summary>
    public abstract void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int n, float alpha = 0, float beta = 0);

    /// <summary>
    /// y = op(a, b) with broadcasting: y is contiguous with extents <paramref name="shape"/>;
    /// a and b are read through their own strides (0 along a broadcast axis). <paramref name="alpha"/>
    /// is the op's parameter where it has one (see <see cref="BinaryOp"/>).
    /// </summary>
    public abstract void Binary(BinaryOp op, DeviceBuffer a, ReadOnlySpan<int> aStrides, DeviceBuffer b, ReadOnlySpan<int> bStrides,
        DeviceBuffer y, ReadOnlySpan<int> shape, float alpha = 0);

    /// <summary>y[i] = cond[i] != 0 ? a[i] : b[i] over n contiguous elements.</summary>
    public abstract void Where(DeviceBuffer cond, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n);

    // ---- rows by index (embeddings) ----------------------------------------------------------

    /// <summary>
    /// y[i, :] = table[indices[i], :] for i in [0, count): rows of <paramref name="width"/> floats
    /// picked from a table of <paramref name="rows"/> rows by indices held in floats (an index
    /// outside [0, rows) gives a row of NaN, never a read out of bounds).
    /// </summary>
    public abstract void Gather(DeviceBuffer table, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width);

    /// <summary>
    /// The adjoint of <see cref="Gather"/>: y[r, :] = Σ source[i, :] over the i with indices[i] = r,
    /// for r in [0, rows), added in the order of i so the result is deterministic. Overwrites y.
    /// </summary>
    public abstract void ScatterAdd(DeviceBuffer source, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width);

    // ---- layout ----------------------------------------------------------------------------

    /// <summary>
    /// Strided copy: for every index i of <paramref name="shape"/>,
    /// dst[dstOffset + i·dstStrides] = src[srcOffset + i·srcStrides].
    /// Transpose, broadcast-expand, narrow and concat are all this one kernel.
    /// </summary>
    public abstract void Copy(DeviceBuffer src, int srcOffset, ReadOnlySpan<int> srcStrides,
        DeviceBuffer dst, int dstOffset, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape);

    // ---- convolution patches ---------------------------------------------------------------

    /// <summary>
    /// im2col: writes the patch matrix [Rows, Columns] of the images <paramref name="image"/>
    /// into <paramref name="cols"/> (see <see cref="PatchGeometry"/>). A convolution is then one GEMM.
    /// </summary>
    public abstract void Im2Col(DeviceBuffer image, DeviceBuffer cols, PatchGeometry g);

    /// <summary>
    /// col2im, the adjoint of <see cref="Im2Col"/>: every image element receives the sum of the
    /// patch-matrix entries that were copied from it, added in the order of (i, j) so the result
    /// is deterministic. Overwrites <paramref name="image"/>.
    /// </summary>
    public abstract void Col2Im(DeviceBuffer cols, DeviceBuffer image, PatchGeometry g);

    // ---- reductions ------------------------------------------------------------------------

    /// <summary>
    /// x viewed as [outer, extent, inner] (contiguous) is reduced along the middle axis into
    /// y [outer, inner]. The summation order is fixed, so results are deterministic.
    /// </summary>
    public abstract void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, int outer, int extent, int inner);

    // ---- matrix multiply -------------------------------------------------------------------

    /// <summary>
    /// Batched GEMM: for each batch index, C = act(alpha·op(A)·op(B) + beta·C + bias), op(A) being
    /// m×k and op(B) k×n. Storage is row-major: A is m×k (or k×m when <paramref name="transA"/>),
    /// with leading dimension lda; likewise B and C. Transposition is read through strides, never
    /// copied. The bias and the activation are the optional <paramref name="epilogue"/>: a layer's
    /// act(x·Wᵀ + b) is then one kernel and one pass over C instead of three.
    /// </summary>
    public abstract void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer a, int aOffset, int lda, long strideA,
        DeviceBuffer b, int bOffset, int ldb, long strideB,
        float beta, DeviceBuffer c, int cOffset, int ldc, long strideC, int batch = 1, GemmEpilogue epilogue = default);

    /// <summary>
    /// A product with the patch matrix P [Rows, Columns] of <paramref name="images"/> (the matrix
    /// <see cref="Im2Col"/> writes; see <see cref="PatchGeometry"/>): C = α·A·P + β·C, A being
    /// m×Rows — a convolution's forward, W·P(x), with the <paramref name="epilogue"/>'s bias and
    /// activation — or, with <paramref name="transposed"/>, C = α·A·Pᵀ + β·C, A being m×Columns —
    /// a convolution's weight gradient, ∂y·P(x)ᵀ. Storage is row-major with leading dimensions
    /// lda and ldc. A backend may read P's elements from the images as it needs them instead of
    /// writing the matrix out; the result is the same as <see cref="Im2Col"/> then <see cref="Gemm"/>.
    /// </summary>
    public abstract void PatchGemm(bool transposed, int m, float alpha, DeviceBuffer a, int aOffset, int lda,
        DeviceBuffer images, PatchGeometry g, float beta, DeviceBuffer c, int cOffset, int ldc, GemmEpilogue epilogue = default);

    /// <summary>
    /// A convolution's forward straight into images: y [Batch, m, OutH, OutW] = act(W·P(x) + bias),
    /// W [m, Rows] row-major with leading dimension lda — <see cref="PatchGemm"/>'s product with its
    /// columns (b, oh, ow) laid out as NCHW images instead of [m, Columns]. By default the product
    /// goes to a temporary buffer and is permuted into y; a backend may write y directly.
    /// </summary>
    public virtual void PatchGemmImages(int m, DeviceBuffer w, int lda, DeviceBuffer images, PatchGeometry g, DeviceBuffer y, GemmEpilogue epilogue = default)
    {
        using var product = Allocate(m * g.Columns);
        PatchGemm(false, m, 1f, w, 0, lda, images, g, 0f, product, 0, g.Columns, epilogue);
        int positions = g.OutH * g.OutW;
        Copy(product, 0, [positions, g.Columns, 1], y, 0, [m * positions, positions, 1], [g.Batch, m, positions]);
    }

    /// <summary>
    /// <see cref="PatchGemm"/> with the patch matrix written out: <see cref="Im2Col"/> into a
    /// temporary buffer, then <see cref="Gemm"/> — for backends (and products) that do not read
    /// the images directly.
    /// </summary>
    protected void PatchGemmThroughIm2Col(bool transposed, int m, float alpha, DeviceBuffer a, int aOffset, int lda,
        DeviceBuffer images, PatchGeometry g, float beta, DeviceBuffer c, int cOffset, int ldc, GemmEpilogue epilogue)
    {
        using var patches = Allocate(g.Rows * g.Columns);
        Im2Col(images, patches, g);
        // op(B) = P [Rows, Columns], or Pᵀ read through strides.
        Gemm(false, transposed, m, transposed ? g.Rows : g.Columns, transposed ? g.Columns : g.Rows, alpha, a, aOffset, lda, 0,
            patches, 0, g.Columns, 0, beta, c, cOffset, ldc, 0, 1, epilogue);
    }

    /// <summary>
    /// images = col2im(Wᵀ·U): W [m, Rows] and U [m, Columns] row-major (leading dimensions Rows and
    /// Columns), the images [Batch, Channels, Height, Width] of geometry g overwritten — a transposed
    /// convolution, and a convolution's input gradient. A backend may sum each pixel directly
    /// instead of forming Wᵀ·U; the result is that of <see cref="Gemm"/> then <see cref="Col2Im"/>.
    /// </summary>
    public abstract void Col2ImGemm(int m, DeviceBuffer w, DeviceBuffer u, DeviceBuffer images, PatchGeometry g);

    /// <summary><see cref="Col2ImGemm"/> with the product written out: <see cref="Gemm"/> into a temporary buffer, then <see cref="Col2Im"/>.</summary>
    protected void Col2ImGemmThroughPatches(int m, DeviceBuffer w, DeviceBuffer u, DeviceBuffer images, PatchGeometry g)
    {
        using var patches = Allocate(g.Rows * g.Columns);
        Gemm(true, false, g.Rows, g.Columns, m, 1f, w, 0, g.Rows, 0, u, 0, g.Columns, 0, 0f, patches, 0, g.Columns, 0);
        Col2Im(patches, images, g);
    }

    // ---- optimizer updates: one fused pass over a parameter tensor ---------------------------
    // The formulas are PyTorch's (torch.optim, 1.13), so a step here equals a step there.

    /// <summary>
    /// SGD: d = g + wd·p; buf = μ·buf + d (buf starts at zero, so the first step takes d);
    /// p −= lr·(μ &gt; 0 ? buf : d). <paramref name="momentumBuffer"/> may be null when μ = 0.
    /// </summary>
    public abstract void SgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentumBuffer, int n,
        float lr, float momentum, float weightDecay);

    /// <summary>RMSProp: d = g + wd·p; s = α·s + (1−α)·d²; p −= lr·d / (√s + ε).</summary>
    public abstract void RmsPropUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer squareAverage, int n,
        float lr, float alpha, float eps, float weightDecay);

    /// <summary>
    /// Adam: d = g + wd·p; m = β₁·m + (1−β₁)·d; v = β₂·v + (1−β₂)·d²;
    /// p −= (lr / c₁)·m / (√v / √c₂ + ε), where the caller gives the bias corrections
    /// c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ for step t (computed in double, as PyTorch does).
    /// </summary>
    public abstract void AdamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n,
        float lr, float beta1, float beta2, float eps, float weightDecay, float biasCorrection1, float biasCorrection2);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>
/// What a GEMM does to each element v of C after α·op(A)·op(B) + β·C, before storing it: add a
/// bias, one value per column of C (a linear layer's, C being [batch, features]) or per row
/// (a convolution's, C being [channels, positions]), the same for every matrix of a batch; then
/// apply an activation. The default does nothing.
/// </summary>
/// <param name="Bias">The bias vector (n values for <see cref="GemmBias.PerColumn"/>, m for
/// <see cref="GemmBias.PerRow"/>), or null for none.</param>
/// <param name="Slope">The negative slope of <see cref="GemmActivation.LeakyRelu"/>.</param>
/// <remarks>
/// Each backend applies the activation with its own unary kernel's formula (<see cref="UnaryOp.Relu"/>,
/// <see cref="UnaryOp.LeakyRelu"/>), so a fused layer's output equals the unfused one's to the last bit.
/// </remarks>
public readonly record struct GemmEpilogue(DeviceBuffer? Bias, GemmBias BiasAlong, GemmActivation Activation, float Slope = 0f)
{
    public bool IsNone => Bias is null && Activation == GemmActivation.None;
}

public enum GemmBias
{
    /// <summary>C[i, j] += bias[j].</summary>
    PerColumn,
    /// <summary>C[i, j] += bias[i].</summary>
    PerRow,
}

public enum GemmActivation { None, Relu, LeakyRelu }

/// <summary>A block of float32 memory owned by a backend.</summary>
public abstract class DeviceBuffer : IDisposable
{
    protected DeviceBuffer(Backend backend, int length)
    {
        Backend = backend;
        Length = length;
        backend.CountLive(4L * length);
    }

    public Backend Backend { get; }

    /// <summary>Number of float32 elements.</summary>
    public int Length { get; }

    public bool IsDisposed { get; private set; }

    /// <summary>Gives the memory back to the backend at once (it may be reused by the next allocation).</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Backend.CountLive(-4L * Length);
        Backend.Release(this);
    }
}

public enum RandomDistribution
{
    /// <summary>Uniform on [a, b).</summary>
    Uniform,
    /// <summary>Normal with mean a and standard deviation b.</summary>
    Normal,
}

/// <summary>Elementwise functions of one argument. α and β are parameters where noted.</summary>
public enum UnaryOp
{
    Neg, Exp, Log, Sqrt, Abs, Square, Relu, Tanh, Sigmoid, Softplus,
    /// <summary>x &gt; 0 ? x : α·x</summary>
    LeakyRelu,
    /// <summary>x^α</summary>
    Pow,
    /// <summary>min(max(x, α), β)</summary>
    Clamp,
    /// <summary>sign(x) ∈ {−1, 0, 1}</summary>
    Sign,
    /// <summary>α·x + β</summary>
    Affine,
    /// <summary>x &gt; α ? 1 : 0</summary>
    GreaterThan,
    /// <summary>α ≤ x ≤ β ? 1 : 0</summary>
    InRange,
}

/// <summary>Elementwise functions of two arguments.</summary>
public enum BinaryOp
{
    Add, Sub, Mul, Div,
    /// <summary>a == b ? 1 : 0</summary>
    Equal,
    /// <summary>a &gt; b ? 1 : 0</summary>
    Greater,
    /// <summary>
    /// b &gt; 0 ? a : α·a — the backward of ReLU (α = 0) and of LeakyReLU (α = its slope): the
    /// gradient a passed where the activation's output (or input) b is positive, scaled elsewhere.
    /// </summary>
    PassPositive,
}

public enum ReduceOp { Sum, Max }
