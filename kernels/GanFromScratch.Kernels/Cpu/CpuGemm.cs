using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// Single-precision GEMM, C = α·op(A)·op(B) + β·C — what <see cref="ReferenceGemm"/> computes with
/// three plain loops — here in the style of BLIS / GotoBLAS:
/// <list type="number">
/// <item>C is cut into column blocks of NC and the k dimension into slabs of KC; the KC×NC slab
/// of B is <b>packed</b> into contiguous panels NR columns wide.</item>
/// <item>Row blocks of MC rows of A are packed into panels MR rows high (they stay in L2).</item>
/// <item>A <b>micro-kernel</b> (<see cref="GemmMicroKernels"/>) multiplies one MR×KC panel of A by
/// one KC×NR panel of B, keeping the MR×NR tile of C in SIMD registers the whole time.</item>
/// </list>
/// Transposed operands cost nothing extra: the packing routines read through strides.
/// Threads split C into disjoint parts, each packed and multiplied independently, so the result
/// does not depend on the number of threads. Thin products (a side of at most
/// <see cref="Thin"/>) skip packing: there a plain vector loop is faster. An
/// <see cref="Epilogue"/> (bias, activation) is applied by each thread to its own part of C as
/// soon as that part is finished, while it is still in cache. A buffer that is op(B) of product
/// after product (a layer's weight) keeps its packing until it is written (<see cref="PackedB"/>).
/// </summary>
public static unsafe partial class CpuGemm
{
    /// <summary>With AVX-512 (32 vector registers) the tile is 12×32, else 6×16 with AVX2.</summary>
    public static readonly bool Wide = Vector512.IsHardwareAccelerated;

    /// <summary>Micro-tile height (rows of A per panel) and width (columns of B per panel).</summary>
    public static readonly int MR = Wide ? 12 : 6, NR = Wide ? 32 : 16;

    /// <summary>The most rows of a panel that <see cref="GemmMicroKernels.Avx512Rows"/> (8) or <see cref="GemmMicroKernels.Avx2Rows"/> (4) compute.</summary>
    private static readonly int ShortRows = Wide ? 8 : 4;

    /// <summary>Cache blocking: a KC×NR panel of B stays in L1/L2, MC×KC of A in L2, KC×NC of B in L3.</summary>
    private const int KC = 256, MC = 144, NC = 3072;

    /// <summary>A product whose m, n or k is at most this goes to a thin, unpacked path.</summary>
    public const int Thin = 4;

    [ThreadStatic] private static float[]? _packA, _packB;

    private static float* Pinned(ref float[]? cache, long length)
    {
        if (cache is null || cache.Length < length)
            cache = GC.AllocateUninitializedArray<float>((int)length, pinned: true);
        return (float*)Unsafe.AsPointer(ref cache[0]);
    }

    /// <summary>
    /// A matrix operand: element (i, j) lives at data[i·rowStride + j·colStride] — or, for the B
    /// operand of a convolution, in the images of a patch matrix that is never written out
    /// (<see cref="ImagePatches"/>): its elements are read from the images as its panels are
    /// packed, (i, j) being element (PatchRow + i, PatchColumn + j) of op(P).
    /// </summary>
    private readonly struct Operand
    {
        public readonly nint Data;
        public readonly int RowStride, ColStride;
        public readonly ImagePatches? Patches;
        public readonly int PatchRow, PatchColumn;

        public Operand(nint data, int rowStride, int colStride) => (Data, RowStride, ColStride) = (data, rowStride, colStride);

        public Operand(ImagePatches patches, int row, int column) => (Patches, PatchRow, PatchColumn) = (patches, row, column);

        public float* At(int i, int j) => Patches is null
            ? (float*)Data + (long)i * RowStride + (long)j * ColStride
            : throw new InvalidOperationException("A patch operand has no memory of its own: it is only packed.");

        public Operand Offset(int i, int j) => Patches is null ? new((nint)At(i, j), RowStride, ColStride) : new(Patches, PatchRow + i, PatchColumn + j);

        public Operand Transposed => Patches is null ? new(Data, ColStride, RowStride)
            : throw new InvalidOperationException("A patch operand is packed as the B operand only.");
    }

    /// <summary>
    /// The bias and activation a GEMM applies to C (see <see cref="GemmEpilogue"/>), with the
    /// bias as a pointer. The activation is the unary kernels' own (<see cref="ReluOp"/>,
    /// <see cref="LeakyReluOp"/>) after the broadcast add's addition, so a fused layer's output
    /// equals the unfused one's to the last bit.
    /// </summary>
    public readonly struct Epilogue(float* bias, GemmBias along, GemmActivation activation, float slope)
    {
        public bool IsNone => bias == null && activation == GemmActivation.None;

        /// <summary>The same epilogue for the block of C whose element (0, 0) is C[row0, col0].</summary>
        public Epilogue At(int row0, int col0) =>
            bias == null ? this : new(along == GemmBias.PerRow ? bias + row0 : bias + col0, along, activation, slope);

        /// <summary>Applies the epilogue to the rows × cols block of C at (row0, col0).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Apply(float* c, int ldc, int row0, int rows, int col0, int cols)
        {
            if (IsNone) return;
            bool perRow = bias != null && along == GemmBias.PerRow;
            float* colBias = bias != null && !perRow ? bias + col0 : null;
            var vSlope = Vector256.Create(slope);
            for (int i = row0; i < row0 + rows; i++)
            {
                float* r = c + (long)i * ldc + col0;
                float rowBias = perRow ? bias[i] : 0f;
                var vRowBias = Vector256.Create(rowBias);
                int j = 0;
                for (; j <= cols - 8; j += 8)
                {
                    var v = Vector256.Load(r + j);
                    if (colBias != null) v += Vector256.Load(colBias + j);
                    else if (perRow) v += vRowBias;
                    Activate(v, vSlope).Store(r + j);
                }
                for (; j < cols; j++)
                {
                    float v = r[j];
                    if (colBias != null) v += colBias[j];
                    else if (perRow) v += rowBias;
                    r[j] = Activate(v);
                }
            }
        }

        /// <summary>
        /// Applies the epilogue to a direct product's tile before it goes into C: sums[r·stride + q]
        /// is C[row0 + q, columns[r]] for q &lt; rows (items of column −1, fillers, are left as they are).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void ApplyToTile(float* sums, int items, int stride, int* columns, int row0, int rows)
        {
            if (IsNone) return;
            bool perRow = bias != null && along == GemmBias.PerRow;
            var vSlope = Vector256.Create(slope);
            for (int r = 0; r < items; r++)
            {
                if (columns[r] < 0) continue;
                float* s = sums + r * stride;
                float columnBias = bias != null && !perRow ? bias[columns[r]] : 0f;
                var vColumnBias = Vector256.Create(columnBias);
                int q = 0;
                for (; q <= rows - 8; q += 8)
                {
                    var v = Vector256.Load(s + q);
                    if (perRow) v += Vector256.Load(bias + row0 + q);
                    else if (bias != null) v += vColumnBias;
                    Activate(v, vSlope).Store(s + q);
                }
                for (; q < rows; q++)
                {
                    float v = s[q];
                    if (perRow) v += bias[row0 + q];
                    else if (bias != null) v += columnBias;
                    s[q] = Activate(v);
                }
            }
        }

        private Vector256<float> Activate(Vector256<float> v, Vector256<float> vSlope) => activation switch
        {
            GemmActivation.Relu => ReluOp.Vector(v, vSlope, vSlope),
            GemmActivation.LeakyRelu => LeakyReluOp.Vector(v, vSlope, vSlope),
            _ => v,
        };

        private float Activate(float v) => Activate(activation, v, slope);

        /// <summary>An epilogue's activation of one value: the unary kernels' own ReLU and LeakyReLU (their NaN semantics included).</summary>
        public static float Activate(GemmActivation activation, float v, float slope) => activation switch
        {
            GemmActivation.Relu => ReluOp.Scalar(v, slope, slope),
            GemmActivation.LeakyRelu => LeakyReluOp.Scalar(v, slope, slope),
            _ => v,
        };
    }

    /// <summary>Row-major GEMM with leading dimensions, as in CBLAS, then the epilogue (if any) on C.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, Epilogue epilogue = default) =>
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue, bSource: null);

    /// <summary>
    /// The same, given the buffer <paramref name="b"/> lies in (<paramref name="bSource"/>): a product
    /// that packs op(B) whole may keep the packing there and reuse it while the buffer is unwritten
    /// (<see cref="PackedB"/>). For the backend, which takes every pointer afresh from its buffer.
    /// </summary>
    internal static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, Epilogue epilogue, CpuBuffer? bSource)
    {
        if (m <= 0 || n <= 0) return;
        var opA = transA ? new Operand((nint)a, 1, lda) : new Operand((nint)a, lda, 1);
        var opB = transB ? new Operand((nint)b, 1, ldb) : new Operand((nint)b, ldb, 1);
        Multiply(opA, opB, new Operand((nint)c, ldc, 1), m, n, k, alpha, beta, epilogue, bSource);
    }

    /// <summary>C = α·op(A)·op(B) + β·C over operands (op(B) may be a patch matrix), then the epilogue.</summary>
    private static void Multiply(Operand opA, Operand opB, Operand opC, int m, int n, int k, float alpha, float beta, Epilogue epilogue,
        CpuBuffer? bSource = null)
    {
        float* c = (float*)opC.Data;
        int ldc = opC.RowStride;
        if (k == 0 || alpha == 0f)
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    *opC.At(i, j) = beta == 0f ? 0f : beta * *opC.At(i, j);
            epilogue.Apply(c, ldc, 0, m, 0, n);
            return;
        }

        // Split C into parts: along n when it is wide enough, else along m.
        long flops = 2L * m * n * k;
        long work = Math.Max(flops, 16L * m * n); // thin products are bound by writing C
        bool thin = Math.Min(m, Math.Min(n, k)) <= Thin;
        // A thread per 1 Mi of work (¼ Mi for the thin paths, which pack nothing and share no panels).
        int threads = (int)Math.Min(Math.Min(CpuParallel.Threads, Environment.ProcessorCount), Math.Max(1, work / (thin ? 1 << 18 : 1 << 20)));
        // Thin products split by rows, so that no two threads write the same cache line of C
        // (unless there are too few rows); packed products split by column panels.
        bool splitN = thin ? m < threads * MR : n >= m || n >= threads * NR * 4;
        // A thin product's rows may be the columns of Cᵀ (see Part), whose last n mod 8 are added
        // unfused: parts of whole vectors keep every column where a single thread puts it.
        int unit = splitN ? NR : thin ? 16 : MR;
        int units = ((splitN ? n : m) + unit - 1) / unit;
        threads = Math.Min(threads, units);
        if (threads > 1 && !thin && PackedWhole(m, n, k) <= MaxPackedWhole)
        {
            SharedPacking(opA, opB, opC, m, n, k, alpha, beta, threads, epilogue, Kept(bSource, opB, k, n));
            return;
        }
        if (threads <= 1)
        {
            Part(opA, opB, opC, m, n, k, alpha, beta, epilogue, thin ? null : Kept(bSource, opB, k, n));
            return;
        }
        CpuParallel.Run(threads, t =>
        {
            int s0 = (int)((long)units * t / threads) * unit;
            int s1 = Math.Min(splitN ? n : m, (int)((long)units * (t + 1) / threads) * unit);
            if (splitN)
            {
                Part(opA, opB.Offset(0, s0), opC.Offset(0, s0), m, s1 - s0, k, alpha, beta, epilogue.At(0, s0));
            }
            else
            {
                Part(opA.Offset(s0, 0), opB, opC.Offset(s0, 0), s1 - s0, n, k, alpha, beta, epilogue.At(s0, 0));
            }
        });
    }

    /// <summary>Floats needed to pack all of op(A) and op(B) at once, padded to whole panels.</summary>
    private static long PackedWhole(int m, int n, int k) =>
        (long)k * (((m + MR - 1) / MR * MR) + ((n + NR - 1) / NR * NR));

    /// <summary>The packing of op(B) kept with its buffer, where there is one to keep and it is not too large.</summary>
    private static PackedB? Kept(CpuBuffer? source, Operand b, int k, int n) =>
        source is null || b.Patches is not null || PackedFloats(n, k) > MaxPackedWhole ? null
            : source.PackedAsB(b.Data, b.RowStride, b.ColStride, k, n, PackedFloats(n, k));

    /// <summary>Floats of op(B) packed whole: k rows of whole panels (slab s at s·<see cref="SlabOfB"/>, each as deep as it is).</summary>
    private static long PackedFloats(int n, int k) => (long)(n + NR - 1) / NR * NR * k;

    /// <summary>
    /// Where op(B)'s packing (n columns) puts one k slab after another: a full slab's floats. The
    /// shared packing and the blocked product lay a whole packing out alike, so either reads the other's.
    /// </summary>
    private static long SlabOfB(int n) => (long)(n + NR - 1) / NR * NR * KC;

    /// <summary>
    /// Whether a product must pack op(B) (into <paramref name="kept"/>'s panels, where it has a
    /// kept packing, else into scratch); <paramref name="version"/> is the source's version read
    /// before packing, which <see cref="PackedB.MarkPacked"/> records after.
    /// </summary>
    private static bool MustPackB(PackedB? kept, out long version)
    {
        version = kept is null ? -1 : kept.SourceVersion;
        if (kept is null || !kept.Holds(version)) return true;
        kept.CountRead();
        return false;
    }

    /// <summary>Lines up to this long (floats) are packed panel by panel (<see cref="PackPanels"/>).</summary>
    private const int PanelByPanelExtent = 1024;

    /// <summary>Up to 4 Mi floats (16 MB, within L3) both operands are packed whole and shared by the threads.</summary>
    private const long MaxPackedWhole = 4L << 20;

    /// <summary>
    /// For products of moderate size on several threads: first the threads pack all of op(A) and
    /// op(B) together, each a share of the panels; then each computes its own columns of C from the
    /// shared panels. Every panel is packed once (splitting C alone would make each thread pack all
    /// of A), and the two phases need no synchronisation but their boundary.
    /// </summary>
    private static void SharedPacking(Operand a, Operand b, Operand c, int m, int n, int k, float alpha, float beta, int threads,
        Epilogue epilogue, PackedB? kept)
    {
        int mr = MR, nr = NR;
        int mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr;
        int slabs = (k + KC - 1) / KC;
        long slabA = (long)mPanels * mr * KC, slabB = SlabOfB(n);
        nint packA = (nint)Pinned(ref _packA, slabA * slabs);
        nint packB = (nint)(kept is null ? Pinned(ref _packB, slabB * slabs) : kept.Panels);
        bool packsB = MustPackB(kept, out long version);
        // Computing, the threads split C's column panels, or its row panels when it has fewer
        // column panels than threads (a weight gradient such as 64×25 with a long k).
        bool byRows = nPanels < threads && mPanels > nPanels;
        threads = Math.Min(threads, byRows ? mPanels : nPanels);
        // Each phase in a few parts per thread, claimed as the threads come free: a thread that
        // starts late (its processor lent elsewhere for a while) leaves its parts to the others.
        int parts = Math.Min(CpuParallel.PartsPerThread * threads, byRows ? mPanels : nPanels);

        CpuParallel.Run(parts, threads, t =>
        {
            for (int s = 0; s < slabs; s++)
            {
                int pc = s * KC, kc = Math.Min(KC, k - pc);
                int a0 = mPanels * t / parts * mr, a1 = Math.Min(m, mPanels * (t + 1) / parts * mr);
                if (a1 > a0) PackA(a, a0, pc, a1 - a0, kc, (float*)packA + s * slabA + (long)a0 * kc);
                int b0 = nPanels * t / parts * nr, b1 = Math.Min(n, nPanels * (t + 1) / parts * nr);
                if (b1 > b0 && packsB) PackB(b, pc, b0, kc, b1 - b0, (float*)packB + s * slabB + (long)b0 * kc);
            }
        });
        if (packsB) kept?.MarkPacked(version);

        CpuParallel.Run(parts, threads, t =>
        {
            int panels = byRows ? mPanels : nPanels, width = byRows ? mr : nr;
            int from = panels * t / parts * width, to = Math.Min(byRows ? m : n, panels * (t + 1) / parts * width);
            for (int s = 0; s < slabs; s++)
            {
                int pc = s * KC, kc = Math.Min(KC, k - pc);
                float betaHere = s == 0 ? beta : 1f;
                var tileEpilogue = s == slabs - 1 ? epilogue : default;
                if (byRows)
                    MacroKernel(to - from, n, kc, alpha, (float*)packA + s * slabA + (long)from * kc, (float*)packB + s * slabB,
                        betaHere, c.At(from, 0), c.RowStride, tileEpilogue.At(from, 0));
                else
                    MacroKernel(m, to - from, kc, alpha, (float*)packA + s * slabA, (float*)packB + s * slabB + (long)from * kc,
                        betaHere, c.At(0, from), c.RowStride, tileEpilogue.At(0, from));
            }
        });
    }

    /// <summary>One thread's share of C, then its epilogue (given for this share's origin).</summary>
    private static void Part(Operand a, Operand b, Operand c, int m, int n, int k, float alpha, float beta, Epilogue epilogue,
        PackedB? kept = null)
    {
        if (n <= Thin && k > Thin)
        {
            if (a.ColStride == 1) ThinDots(a, b, c, m, n, k, alpha, beta);
            // Cᵀ = op(B)ᵀ·op(A)ᵀ: the columns of op(A) are contiguous, so they become the rows to combine.
            else ThinRows(b.Transposed, a.Transposed, c.Transposed, n, m, k, alpha, beta);
        }
        else if (m <= Thin || k <= Thin || n <= Thin)
            ThinRows(a, b, c, m, n, k, alpha, beta);
        else
        {
            Blocked(a, b, c, m, n, k, alpha, beta, epilogue, kept);
            return;
        }
        epilogue.Apply((float*)c.Data, c.RowStride, 0, m, 0, n);
    }

    /// <summary>
    /// For a product with few columns: every C[i,j] is a dot product of a contiguous row of op(A)
    /// with a column of op(B), the n columns first copied one after another into a contiguous
    /// buffer. Columns beyond n alias the first (their dots are computed and dropped), so the
    /// loop has no branches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThinDots(Operand a, Operand b, Operand c, int m, int n, int k, float alpha, float beta)
    {
        // The columns of op(B) as contiguous lines: as they are (A·Bᵀ), or copied.
        var lines = b.Transposed;
        if (lines.ColStride != 1) lines = Contiguous(lines, n, k, ref _packB);
        float* cols = lines.At(0, 0);
        long ld = lines.RowStride;
        // One pass over each row of op(A) feeds all n (≤ Thin = 4) dot products.
        float* c0 = cols, c1 = cols + (n > 1 ? ld : 0), c2 = cols + (n > 2 ? 2L * ld : 0), c3 = cols + (n > 3 ? 3L * ld : 0);
        float* dots = stackalloc float[4];
        int i = 0;
        // One or two columns (a layer's output of 1 or 2 units): eight or six rows at a time, so that
        // eight or twelve accumulators hide the multiply-adds' latency and each column load feeds
        // several rows (four rows at a time were 0.65× OpenBLAS at 256×2×512 on a Zen 4 thread, six
        // 0.72–0.82×); every dot is summed in the same order as below, so the results are the same to the bit.
        if (n == 1) for (; i <= m - 8; i += 8) EightRowDots(a, c, i, k, c0, alpha, beta);
        else if (n == 2) for (; i <= m - 6; i += 6) SixRowDots(a, c, i, k, c0, c1, alpha, beta);
        for (; i < m; i++)
        {
            float* row = a.At(i, 0);
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int p = 0;
            for (; p <= k - 8; p += 8)
            {
                var x = Vector256.Load(row + p);
                s0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c0 + p), s0);
                s1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c1 + p), s1);
                s2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c2 + p), s2);
                s3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c3 + p), s3);
            }
            LaneSums(s0, s1, s2, s3).Store(dots);
            for (; p < k; p++)
            {
                dots[0] += row[p] * c0[p]; dots[1] += row[p] * c1[p]; dots[2] += row[p] * c2[p]; dots[3] += row[p] * c3[p];
            }
            for (int j = 0; j < n; j++) PutDot(c.At(i, j), dots[j], alpha, beta);
        }
    }

    /// <summary>
    /// The lane sums of eight vectors as one vector, each summed as <see cref="Vector256.Sum{T}"/>
    /// sums it, ((v₀+v₁)+(v₂+v₃)) + ((v₄+v₅)+(v₆+v₇)), so the dots are the same to the bit: three
    /// rounds of pairwise adds across the vectors instead of a shuffle chain for each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LaneSums(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d,
        Vector256<float> e, Vector256<float> f, Vector256<float> g, Vector256<float> h)
    {
        if (!Avx.IsSupported)
            return Vector256.Create(Vector256.Sum(a), Vector256.Sum(b), Vector256.Sum(c), Vector256.Sum(d),
                Vector256.Sum(e), Vector256.Sum(f), Vector256.Sum(g), Vector256.Sum(h));
        // Within each 128-bit half: [a₀+a₁, a₂+a₃, b₀+b₁, b₂+b₃], then [a₀₁+a₂₃, b₀₁+b₂₃, c…, d…].
        var abcd = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        var efgh = Avx.HorizontalAdd(Avx.HorizontalAdd(e, f), Avx.HorizontalAdd(g, h));
        // Lower halves plus upper halves.
        return Avx.Permute2x128(abcd, efgh, 0x20) + Avx.Permute2x128(abcd, efgh, 0x31);
    }

    /// <summary>The lane sums of four vectors, as <see cref="LaneSums(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float})"/> sums them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LaneSums(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        if (!Avx.IsSupported)
            return Vector128.Create(Vector256.Sum(a), Vector256.Sum(b), Vector256.Sum(c), Vector256.Sum(d));
        var abcd = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        return abcd.GetLower() + abcd.GetUpper();
    }

    /// <summary>An element of C from its dot product (or a partial tile's sum): α·dot, or α·dot + β·C where β ≠ 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutDot(float* dst, float dot, float alpha, float beta) => *dst = beta == 0f ? alpha * dot : alpha * dot + beta * *dst;

    /// <summary>Rows i … i+7 of C for one column: eight accumulators in flight, each dot in ThinDots' order.</summary>
    private static void EightRowDots(Operand a, Operand c, int i, int k, float* d0, float alpha, float beta)
    {
        float* dots = stackalloc float[8];
        int p = EightRowSums(a.At(i, 0), a.RowStride, k, d0, dots);
        for (int r = 0; r < 8 && p < k; r++)
        {
            float* row = a.At(i + r, 0);
            for (int q = p; q < k; q++) dots[r] += row[q] * d0[q];
        }
        PutDots(c, i, 8, 1, dots, alpha, beta);
    }

    /// <summary>Rows i … i+5 of C for two columns: twelve accumulators in flight, each dot in ThinDots' order.</summary>
    private static void SixRowDots(Operand a, Operand c, int i, int k, float* d0, float* d1, float alpha, float beta)
    {
        float* dots = stackalloc float[12];
        int p = SixRowSums(a.At(i, 0), a.RowStride, k, d0, d1, dots);
        for (int r = 0; r < 6 && p < k; r++)
        {
            float* row = a.At(i + r, 0);
            for (int q = p; q < k; q++)
            {
                dots[2 * r] += row[q] * d0[q];
                dots[2 * r + 1] += row[q] * d1[q];
            }
        }
        PutDots(c, i, 6, 2, dots, alpha, beta);
    }

    /// <summary>
    /// Rows i … i+rows−1 of C's first n columns from their dots (row after row): as <see cref="PutDot"/>
    /// puts each, eight at a time where those rows of C are one contiguous block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutDots(Operand c, int i, int rows, int n, float* dots, float alpha, float beta)
    {
        int count = rows * n, e = 0;
        float* d = c.At(i, 0);
        if (c.ColStride == 1 && c.RowStride == n)
        {
            var va = Vector256.Create(alpha);
            var vb = Vector256.Create(beta);
            for (; e <= count - 8; e += 8)
            {
                var v = va * Vector256.Load(dots + e);
                (beta == 0f ? v : v + vb * Vector256.Load(d + e)).Store(d + e);
            }
            for (; e < count; e++) PutDot(d + e, dots[e], alpha, beta);
            return;
        }
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
                PutDot(c.At(i + r, j), dots[r * n + j], alpha, beta);
    }

    /// <summary>
    /// The eight rows from r0 (ld apart) dotted with one column over k's whole steps of 8, the lane
    /// sums stored; returns where the steps end (a method of its own, as <see cref="SixRowSums"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int EightRowSums(float* r0, long ld, int k, float* d0, float* dots)
    {
        float* r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld, r4 = r3 + ld, r5 = r4 + ld, r6 = r5 + ld, r7 = r6 + ld;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int p = 0;
        for (; p <= k - 8; p += 8)
        {
            var y = Vector256.Load(d0 + p);
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(r0 + p), y, s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(r1 + p), y, s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.Load(r2 + p), y, s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.Load(r3 + p), y, s3);
            s4 = Vector256.FusedMultiplyAdd(Vector256.Load(r4 + p), y, s4);
            s5 = Vector256.FusedMultiplyAdd(Vector256.Load(r5 + p), y, s5);
            s6 = Vector256.FusedMultiplyAdd(Vector256.Load(r6 + p), y, s6);
            s7 = Vector256.FusedMultiplyAdd(Vector256.Load(r7 + p), y, s7);
        }
        LaneSums(s0, s1, s2, s3, s4, s5, s6, s7).Store(dots);
        return p;
    }

    /// <summary>
    /// The six rows from r0 (ld apart) dotted with two columns over k's whole steps of 8, the lane
    /// sums stored row after row; returns where the steps end. A method of its own, so that its ten
    /// pointers and counters stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int SixRowSums(float* r0, long ld, int k, float* d0, float* d1, float* dots)
    {
        float* r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld, r4 = r3 + ld, r5 = r4 + ld;
        Vector256<float> s00 = default, s10 = default, s20 = default, s30 = default, s40 = default, s50 = default;
        Vector256<float> s01 = default, s11 = default, s21 = default, s31 = default, s41 = default, s51 = default;
        int p = 0;
        for (; p <= k - 8; p += 8)
        {
            Vector256<float> y0 = Vector256.Load(d0 + p), y1 = Vector256.Load(d1 + p);
            var x = Vector256.Load(r0 + p);
            s00 = Vector256.FusedMultiplyAdd(x, y0, s00); s01 = Vector256.FusedMultiplyAdd(x, y1, s01);
            x = Vector256.Load(r1 + p);
            s10 = Vector256.FusedMultiplyAdd(x, y0, s10); s11 = Vector256.FusedMultiplyAdd(x, y1, s11);
            x = Vector256.Load(r2 + p);
            s20 = Vector256.FusedMultiplyAdd(x, y0, s20); s21 = Vector256.FusedMultiplyAdd(x, y1, s21);
            x = Vector256.Load(r3 + p);
            s30 = Vector256.FusedMultiplyAdd(x, y0, s30); s31 = Vector256.FusedMultiplyAdd(x, y1, s31);
            x = Vector256.Load(r4 + p);
            s40 = Vector256.FusedMultiplyAdd(x, y0, s40); s41 = Vector256.FusedMultiplyAdd(x, y1, s41);
            x = Vector256.Load(r5 + p);
            s50 = Vector256.FusedMultiplyAdd(x, y0, s50); s51 = Vector256.FusedMultiplyAdd(x, y1, s51);
        }
        LaneSums(s00, s01, s10, s11, s20, s21, s30, s31).Store(dots);
        LaneSums(s40, s41, s50, s51).Store(dots + 8);
        return p;
    }

    /// <summary>
    /// For a product with few rows or a short k: row i of C is a combination of the k rows of
    /// op(B), C[i,:] = β·C[i,:] + α·Σₚ A[i,p]·B[p,:], vectorised along the row when rows are
    /// contiguous. Here packing would cost as much as the arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThinRows(Operand a, Operand b, Operand c, int m, int n, int k, float alpha, float beta)
    {
        // Rows of op(B) must be contiguous for the loop below to be vectorised.
        if (b.ColStride != 1) b = Contiguous(b, k, n, ref _packA);
        // Accumulate straight into C when its rows are contiguous, else into a scratch row.
        bool direct = c.ColStride == 1;
        float* scratch = direct ? null : Pinned(ref _packB, 2L * n);
        int i = 0;
        // Two rows at a time when the rows are long (a weight gradient of a 1- or 2-unit layer, 2×512
        // over k = 256): each row of op(B) is read once for both, in blocks held in registers.
        if (n >= 32)
            for (; i <= m - 2; i += 2)
            {
                float* r0 = direct ? c.At(i, 0) : scratch, r1 = direct ? c.At(i + 1, 0) : scratch + n;
                bool fresh = !direct || beta == 0f; // the rows start from 0, not from what they hold
                if (!fresh && beta != 1f)
                {
                    Scale(r0, n, beta);
                    Scale(r1, n, beta);
                }
                TwoRowCombination(a, b, r0, r1, i, n, k, alpha, fresh);
                if (!direct)
                {
                    Scatter(scratch, c, i, n, beta);
                    Scatter(scratch + n, c, i + 1, n, beta);
                }
            }
        for (; i < m; i++)
        {
            float* row = direct ? c.At(i, 0) : scratch;
            bool fresh = !direct || beta == 0f;
            if (!fresh && beta != 1f) Scale(row, n, beta);
            OneRowCombination(a, b, row, i, n, k, alpha, fresh);
            if (!direct) Scatter(row, c, i, n, beta);
        }
    }

    /// <summary>Row i of C (its elements <c>ColStride</c> apart) = row + β·C[i, :], or the row alone when β = 0.</summary>
    private static void Scatter(float* row, Operand c, int i, int n, float beta)
    {
        float* dst = c.At(i, 0);
        long step = c.ColStride;
        if (beta == 0f)
            for (int j = 0; j < n; j++, dst += step) *dst = row[j];
        else
            for (int j = 0; j < n; j++, dst += step) *dst = row[j] + beta * *dst;
    }

    /// <summary>
    /// Rows r0 and r1 of C (rows i and i+1) plus α·Σₚ A[·,p]·B[p,:], 32 columns at a time in eight
    /// vector accumulators loaded from C once: every element gets the same multiply-adds in the same
    /// order as <see cref="Axpy"/> gives it one row at a time (fused over whole vectors, a multiply
    /// then an add in the last n mod 8 columns), so the results are the same to the bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    /// <param name="fresh">The rows start from 0 (β = 0 or a scratch row): their memory is not read, only written.</param>
    private static void TwoRowCombination(Operand a, Operand b, float* r0, float* r1, int i, int n, int k, float alpha, bool fresh)
    {
        int j = 0;
        if (Wide)
            for (; j <= n - 128; j += 128) TwoRowBlockWide(a, b, r0 + j, r1 + j, i, j, k, alpha, fresh);
        for (; j <= n - 32; j += 32)
        {
            Vector256<float> a0 = Start(r0 + j, fresh), a1 = Start(r0 + j + 8, fresh), a2 = Start(r0 + j + 16, fresh), a3 = Start(r0 + j + 24, fresh);
            Vector256<float> b0 = Start(r1 + j, fresh), b1 = Start(r1 + j + 8, fresh), b2 = Start(r1 + j + 16, fresh), b3 = Start(r1 + j + 24, fresh);
            float* x = b.At(0, j), u = a.At(i, 0), v = a.At(i + 1, 0);
            long bStep = b.RowStride, aStep = a.ColStride;
            for (int p = 0; p < k; p++, x += bStep, u += aStep, v += aStep)
            {
                Vector256<float> s0 = Vector256.Create(alpha * *u), s1 = Vector256.Create(alpha * *v);
                Vector256<float> x0 = Vector256.Load(x), x1 = Vector256.Load(x + 8), x2 = Vector256.Load(x + 16), x3 = Vector256.Load(x + 24);
                a0 = Vector256.FusedMultiplyAdd(s0, x0, a0); b0 = Vector256.FusedMultiplyAdd(s1, x0, b0);
                a1 = Vector256.FusedMultiplyAdd(s0, x1, a1); b1 = Vector256.FusedMultiplyAdd(s1, x1, b1);
                a2 = Vector256.FusedMultiplyAdd(s0, x2, a2); b2 = Vector256.FusedMultiplyAdd(s1, x2, b2);
                a3 = Vector256.FusedMultiplyAdd(s0, x3, a3); b3 = Vector256.FusedMultiplyAdd(s1, x3, b3);
            }
            a0.Store(r0 + j); a1.Store(r0 + j + 8); a2.Store(r0 + j + 16); a3.Store(r0 + j + 24);
            b0.Store(r1 + j); b1.Store(r1 + j + 8); b2.Store(r1 + j + 16); b3.Store(r1 + j + 24);
        }
        // The rest of the row as Axpy does it, one source row at a time.
        if (j < n)
        {
            if (fresh)
            {
                new Span<float>(r0 + j, n - j).Clear();
                new Span<float>(r1 + j, n - j).Clear();
            }
            for (int p = 0; p < k; p++)
            {
                Axpy(r0 + j, b.At(p, j), n - j, alpha * *a.At(i, p));
                Axpy(r1 + j, b.At(p, j), n - j, alpha * *a.At(i + 1, p));
            }
        }
    }

    /// <summary>
    /// Columns j … j+127 of <see cref="TwoRowCombination"/> in 16-lane accumulators (AVX-512): each
    /// element gets the same fused multiply-adds in the same order, so the bits do not change.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoRowBlockWide(Operand a, Operand b, float* r0, float* r1, int i, int j, int k, float alpha, bool fresh)
    {
        Vector512<float> a0 = Start512(r0, fresh), a1 = Start512(r0 + 16, fresh), a2 = Start512(r0 + 32, fresh), a3 = Start512(r0 + 48, fresh);
        Vector512<float> a4 = Start512(r0 + 64, fresh), a5 = Start512(r0 + 80, fresh), a6 = Start512(r0 + 96, fresh), a7 = Start512(r0 + 112, fresh);
        Vector512<float> b0 = Start512(r1, fresh), b1 = Start512(r1 + 16, fresh), b2 = Start512(r1 + 32, fresh), b3 = Start512(r1 + 48, fresh);
        Vector512<float> b4 = Start512(r1 + 64, fresh), b5 = Start512(r1 + 80, fresh), b6 = Start512(r1 + 96, fresh), b7 = Start512(r1 + 112, fresh);
        float* x = b.At(0, j), u = a.At(i, 0), v = a.At(i + 1, 0);
        long bStep = b.RowStride, aStep = a.ColStride;
        for (int p = 0; p < k; p++, x += bStep, u += aStep, v += aStep)
        {
            Vector512<float> s0 = Vector512.Create(alpha * *u), s1 = Vector512.Create(alpha * *v);
            var x0 = Vector512.Load(x); a0 = Vector512.FusedMultiplyAdd(s0, x0, a0); b0 = Vector512.FusedMultiplyAdd(s1, x0, b0);
            var x1 = Vector512.Load(x + 16); a1 = Vector512.FusedMultiplyAdd(s0, x1, a1); b1 = Vector512.FusedMultiplyAdd(s1, x1, b1);
            var x2 = Vector512.Load(x + 32); a2 = Vector512.FusedMultiplyAdd(s0, x2, a2); b2 = Vector512.FusedMultiplyAdd(s1, x2, b2);
            var x3 = Vector512.Load(x + 48); a3 = Vector512.FusedMultiplyAdd(s0, x3, a3); b3 = Vector512.FusedMultiplyAdd(s1, x3, b3);
            var x4 = Vector512.Load(x + 64); a4 = Vector512.FusedMultiplyAdd(s0, x4, a4); b4 = Vector512.FusedMultiplyAdd(s1, x4, b4);
            var x5 = Vector512.Load(x + 80); a5 = Vector512.FusedMultiplyAdd(s0, x5, a5); b5 = Vector512.FusedMultiplyAdd(s1, x5, b5);
            var x6 = Vector512.Load(x + 96); a6 = Vector512.FusedMultiplyAdd(s0, x6, a6); b6 = Vector512.FusedMultiplyAdd(s1, x6, b6);
            var x7 = Vector512.Load(x + 112); a7 = Vector512.FusedMultiplyAdd(s0, x7, a7); b7 = Vector512.FusedMultiplyAdd(s1, x7, b7);
        }
        a0.Store(r0); a1.Store(r0 + 16); a2.Store(r0 + 32); a3.Store(r0 + 48);
        a4.Store(r0 + 64); a5.Store(r0 + 80); a6.Store(r0 + 96); a7.Store(r0 + 112);
        b0.Store(r1); b1.Store(r1 + 16); b2.Store(r1 + 32); b3.Store(r1 + 48);
        b4.Store(r1 + 64); b5.Store(r1 + 80); b6.Store(r1 + 96); b7.Store(r1 + 112);
    }

    private static Vector512<float> Start512(float* at, bool fresh) => fresh ? Vector512<float>.Zero : Vector512.Load(at);

    /// <summary>An accumulator's start: 0, or the 8 values at <paramref name="at"/>.</summary>
    private static Vector256<float> Start(float* at, bool fresh) => fresh ? Vector256<float>.Zero : Vector256.Load(at);

    /// <summary>
    /// Row i of C (at <paramref name="row"/>) plus α·Σₚ A[i,p]·B[p,:], 64 columns at a time in eight
    /// vector accumulators, the rest as <see cref="Axpy"/> does it: the same operations in the same
    /// order for every element as Axpy over the whole row, p after p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneRowCombination(Operand a, Operand b, float* row, int i, int n, int k, float alpha, bool fresh)
    {
        int j = 0;
        if (Wide)
            for (; j <= n - 128; j += 128) OneRowBlockWide(a, b, row + j, i, j, k, alpha, fresh);
        for (; j <= n - 64; j += 64)
        {
            float* r = row + j;
            Vector256<float> a0 = Start(r, fresh), a1 = Start(r + 8, fresh), a2 = Start(r + 16, fresh), a3 = Start(r + 24, fresh);
            Vector256<float> a4 = Start(r + 32, fresh), a5 = Start(r + 40, fresh), a6 = Start(r + 48, fresh), a7 = Start(r + 56, fresh);
            float* x = b.At(0, j), u = a.At(i, 0);
            long bStep = b.RowStride, aStep = a.ColStride;
            for (int p = 0; p < k; p++, x += bStep, u += aStep)
            {
                var s0 = Vector256.Create(alpha * *u);
                a0 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x), a0);
                a1 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x + 24), a3);
                a4 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x + 32), a4);
                a5 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x + 40), a5);
                a6 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x + 48), a6);
                a7 = Vector256.FusedMultiplyAdd(s0, Vector256.Load(x + 56), a7);
            }
            a0.Store(r); a1.Store(r + 8); a2.Store(r + 16); a3.Store(r + 24);
            a4.Store(r + 32); a5.Store(r + 40); a6.Store(r + 48); a7.Store(r + 56);
        }
        if (j < n)
        {
            if (fresh) new Span<float>(row + j, n - j).Clear();
            for (int p = 0; p < k; p++)
                Axpy(row + j, b.At(p, j), n - j, alpha * *a.At(i, p));
        }
    }

    /// <summary>Columns j … j+127 of <see cref="OneRowCombination"/> in 16-lane accumulators (AVX-512), the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneRowBlockWide(Operand a, Operand b, float* r, int i, int j, int k, float alpha, bool fresh)
    {
        Vector512<float> a0 = Start512(r, fresh), a1 = Start512(r + 16, fresh), a2 = Start512(r + 32, fresh), a3 = Start512(r + 48, fresh);
        Vector512<float> a4 = Start512(r + 64, fresh), a5 = Start512(r + 80, fresh), a6 = Start512(r + 96, fresh), a7 = Start512(r + 112, fresh);
        float* x = b.At(0, j), u = a.At(i, 0);
        long bStep = b.RowStride, aStep = a.ColStride;
        for (int p = 0; p < k; p++, x += bStep, u += aStep)
        {
            var s0 = Vector512.Create(alpha * *u);
            a0 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x), a0);
            a1 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x + 16), a1);
            a2 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x + 32), a2);
            a3 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x + 48), a3);
            a4 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x + 64), a4);
            a5 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x + 80), a5);
            a6 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x + 96), a6);
            a7 = Vector512.FusedMultiplyAdd(s0, Vector512.Load(x + 112), a7);
        }
        a0.Store(r); a1.Store(r + 16); a2.Store(r + 32); a3.Store(r + 48);
        a4.Store(r + 64); a5.Store(r + 80); a6.Store(r + 96); a7.Store(r + 112);
    }

    /// <summary>A row-major copy of the rows×cols operand x in the scratch array <paramref name="cache"/>.</summary>
    private static Operand Contiguous(Operand x, int rows, int cols, ref float[]? cache)
    {
        float* copy = Pinned(ref cache, (long)rows * cols);
        long step = x.ColStride;
        if (rows == 2 && step == 2 && x.RowStride == 1 && Avx2.IsSupported)
        {
            // Two interleaved lines (the columns of a k×2 matrix): split eight pairs at a time.
            float* s = x.At(0, 0), even = copy, odd = copy + cols;
            int j = 0;
            for (; j <= cols - 8; j += 8)
            {
                Vector256<float> lo = Vector256.Load(s + 2 * j), hi = Vector256.Load(s + 2 * j + 8);
                // Per 128-bit half, [lo₀, lo₂, hi₀, hi₂]; then the 64-bit quarters reordered 0, 2, 1, 3.
                Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle().Store(even + j);
                Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle().Store(odd + j);
            }
            for (; j < cols; j++) (even[j], odd[j]) = (s[2 * j], s[2 * j + 1]);
            return new Operand((nint)copy, cols, 1);
        }
        for (int i = 0; i < rows; i++)
        {
            float* s = x.At(i, 0), d = copy + (long)i * cols;
            for (int j = 0; j < cols; j++, s += step) d[j] = *s;
        }
        return new Operand((nint)copy, cols, 1);
    }

    /// <summary>y[0..n) += s·x[0..n).</summary>
    private static void Axpy(float* y, float* x, int n, float s)
    {
        var vs = Vector256.Create(s);
        int j = 0;
        for (; j <= n - 8; j += 8)
            Vector256.FusedMultiplyAdd(vs, Vector256.Load(x + j), Vector256.Load(y + j)).Store(y + j);
        for (; j < n; j++) y[j] += s * x[j];
    }

    private static void Scale(float* y, int n, float s)
    {
        var vs = Vector256.Create(s);
        int j = 0;
        for (; j <= n - 8; j += 8) (vs * Vector256.Load(y + j)).Store(y + j);
        for (; j < n; j++) y[j] *= s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocked(Operand a, Operand b, Operand c, int m, int n, int k, float alpha, float beta, Epilogue epilogue,
        PackedB? kept = null)
    {
        float* packB = Pinned(ref _packB, (long)KC * (NC + NR));
        float* packA = Pinned(ref _packA, (long)KC * (MC + MR));
        // A kept packing of op(B) holds every slab's panels, as SharedPacking lays them out.
        long slabB = SlabOfB(n);
        float* whole = kept is null ? null : kept.Panels;
        if (kept is not null && MustPackB(kept, out long version))
        {
            for (int pc = 0; pc < k; pc += KC) PackB(b, pc, 0, Math.Min(KC, k - pc), n, whole + pc / KC * slabB);
            kept.MarkPacked(version);
        }
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                if (whole != null) packB = whole + pc / KC * slabB + (long)jc * kc;
                else PackB(b, pc, jc, kc, nc, packB);
                // The first slab applies β to C; later slabs accumulate.
                float betaHere = pc == 0 ? beta : 1f;
                // The last slab finishes each tile: the epilogue follows it while the tile is in L1.
                var tileEpilogue = pc + kc == k ? epilogue : default;
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    PackA(a, ic, pc, mc, kc, packA);
                    MacroKernel(mc, nc, kc, alpha, packA, packB, betaHere, c.At(ic, jc), c.RowStride, tileEpilogue.At(ic, jc));
                }
            }
        }
    }

    /// <summary>Packs op(A)[i0.., p0..] (mc×kc) as panels of MR rows: panel[p·MR + r].</summary>
    private static void PackA(Operand a, int i0, int p0, int mc, int kc, float* dst) => PackPanels(a, i0, p0, mc, kc, MR, dst);

    /// <summary>
    /// Packs op(B)[p0.., j0..] (kc×nc) as panels of NR columns: panel[p·NR + c] — the panels of A's
    /// packing, for Bᵀ; a patch matrix's panels are read straight from its images.
    /// </summary>
    private static void PackB(Operand b, int p0, int j0, int kc, int nc, float* dst)
    {
        if (b.Patches is { } patches) patches.Pack(b.PatchRow + p0, b.PatchColumn + j0, kc, nc, NR, dst);
        else PackPanels(b.Transposed, j0, p0, nc, kc, NR, dst);
    }

    /// <summary>
    /// Packs x[i0 + i, p0 + p] for i &lt; extent, p &lt; kc into panels <paramref name="width"/> rows
    /// high, each stored p-major (panel[p·width + r]), the last one zero-padded to the full width.
    /// Reads are contiguous either way: a whole row at a time when rows are contiguous along p,
    /// the <paramref name="width"/> values of one p at a time (SIMD) when they are contiguous along i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPanels(Operand x, int i0, int p0, int extent, int kc, int width, float* dst)
    {
        if (x.RowStride == 1 && extent <= PanelByPanelExtent)
        {
            // Contiguous along i and short lines (a weight's rows, a batch of activations): panel by
            // panel; the kc lines' pieces stay in cache between panels.
            for (int ir = 0; ir < extent; ir += width)
            {
                int rows = Math.Min(width, extent - ir);
                float* d = dst + (long)ir * kc, s = x.At(i0 + ir, p0);
                for (int p = 0; p < kc; p++, d += width, s += x.ColStride) PanelLine(s, d, rows, width);
            }
            return;
        }
        if (x.RowStride == 1)
        {
            // Contiguous along i, long lines (a convolution's): read each of the kc source lines once,
            // front to back, and deal its width-long pieces out to the panels. The reads are sequential,
            // which the prefetcher follows; panel by panel they would jump a whole line ahead at every p.
            for (int p = 0; p < kc; p++)
            {
                float* s = x.At(i0, p0 + p);
                for (int ir = 0; ir < extent; ir += width)
                    PanelLine(s + ir, dst + (long)ir * kc + p * width, Math.Min(width, extent - ir), width);
            }
            return;
        }
        for (int ir = 0; ir < extent; ir += width)
        {
            int rows = Math.Min(width, extent - ir);
            float* panel = dst + (long)ir * kc;
            int r0 = 0;
            if (x.ColStride == 1 && Avx.IsSupported)
                // Rows contiguous along p: transpose blocks of 8 (or the last rows, such as AVX2's
                // panels of 6) by 8 in registers.
                for (; r0 < rows; r0 += 8)
                {
                    int count = Math.Min(8, rows - r0);
                    float* s = x.At(i0 + ir + r0, p0);
                    int p = 0;
                    for (; p <= kc - 8; p += 8) TransposeBlock(s + p, x.RowStride, count, panel + p * width + r0, width);
                    for (; p < kc; p++)
                        for (int r = 0; r < count; r++) panel[p * width + r0 + r] = s[(long)r * x.RowStride + p];
                }
            for (int r = r0; r < width; r++)
            {
                float* d = panel + r;
                if (r >= rows)
                {
                    for (int p = 0; p < kc; p++) d[p * width] = 0f;
                    continue;
                }
                float* s = x.At(i0 + ir + r, p0);
                int cs = x.ColStride;
                for (int p = 0; p < kc; p++) d[p * width] = s[(long)p * cs];
            }
        }
    }

    /// <summary>
    /// One p of a panel whose source is contiguous along it: d[0..width) = s[0..rows), then zeros;
    /// a whole panel of the kernels' widths (32, 16, 12, 6) in fixed vector moves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelLine(float* s, float* d, int rows, int width)
    {
        if (rows == width)
            switch (width)
            {
                case 32:
                    Vector256.Load(s).Store(d); Vector256.Load(s + 8).Store(d + 8);
                    Vector256.Load(s + 16).Store(d + 16); Vector256.Load(s + 24).Store(d + 24);
                    return;
                case 16:
                    Vector256.Load(s).Store(d); Vector256.Load(s + 8).Store(d + 8);
                    return;
                case 12:
                    Vector256.Load(s).Store(d); Vector128.Load(s + 8).Store(d + 8);
                    return;
                case 6:
                    Vector128.Load(s).Store(d); *(double*)(d + 4) = *(double*)(s + 4);
                    return;
            }
        int r = 0;
        for (; r < rows; r++) d[r] = s[r];
        for (; r < width; r++) d[r] = 0f;
    }

    /// <summary>
    /// d[c·dStride + r] = s[r·sStride + c] for an 8×8 block: unpack pairs of rows, shuffle pairs
    /// of pairs, then swap 128-bit halves (the classic AVX transpose, 24 shuffles for 64 floats).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, int sStride, float* d, int dStride) => TransposeBlock(s, sStride, 8, d, dStride);

    /// <summary>
    /// The same for the first <paramref name="count"/> (1 to 8) rows of s: d[c·dStride + r] =
    /// s[r·sStride + c] for r &lt; count and c &lt; 8. Rows past count are loaded as copies of the last
    /// (never past s's rows), transposed and not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeBlock(float* s, int sStride, int count, float* d, int dStride)
    {
        long last = count - 1;
        var r0 = Avx.LoadVector256(s);
        var r1 = Avx.LoadVector256(s + Math.Min(1, last) * sStride);
        var r2 = Avx.LoadVector256(s + Math.Min(2, last) * sStride);
        var r3 = Avx.LoadVector256(s + Math.Min(3, last) * sStride);
        var r4 = Avx.LoadVector256(s + Math.Min(4, last) * sStride);
        var r5 = Avx.LoadVector256(s + Math.Min(5, last) * sStride);
        var r6 = Avx.LoadVector256(s + Math.Min(6, last) * sStride);
        var r7 = Avx.LoadVector256(s + Math.Min(7, last) * sStride);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        StoreLanes(d, Avx.Permute2x128(u0, u4, 0x20), count);
        StoreLanes(d + dStride, Avx.Permute2x128(u1, u5, 0x20), count);
        StoreLanes(d + 2L * dStride, Avx.Permute2x128(u2, u6, 0x20), count);
        StoreLanes(d + 3L * dStride, Avx.Permute2x128(u3, u7, 0x20), count);
        StoreLanes(d + 4L * dStride, Avx.Permute2x128(u0, u4, 0x31), count);
        StoreLanes(d + 5L * dStride, Avx.Permute2x128(u1, u5, 0x31), count);
        StoreLanes(d + 6L * dStride, Avx.Permute2x128(u2, u6, 0x31), count);
        StoreLanes(d + 7L * dStride, Avx.Permute2x128(u3, u7, 0x31), count);
    }

    /// <summary>Stores the first <paramref name="count"/> lanes of v at d, and nothing past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(float* d, Vector256<float> v, int count)
    {
        if (count == 8)
        {
            Avx.Store(d, v);
            return;
        }
        var part = v.GetLower();
        if (count >= 4)
        {
            Sse.Store(d, part);
            part = v.GetUpper();
            d += 4;
            count -= 4;
        }
        if (count >= 2)
        {
            Sse2.StoreScalar((double*)d, part.AsDouble());
            part = Sse.MoveHighToLow(part, part);
            d += 2;
            count -= 2;
        }
        if (count == 1) Sse.StoreScalar(d, part);
    }

    /// <summary>
    /// C (mc×nc, at <paramref name="c"/>) = α·A·B + β·C over one slab of packed panels, tile by tile,
    /// each tile then through <paramref name="epilogue"/> (the last slab's; none before it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MacroKernel(int mc, int nc, int kc, float alpha, float* packA, float* packB, float beta, float* c, int ldc,
        Epilogue epilogue)
    {
        int mr = MR, nr = NR;
        float* edge = stackalloc float[12 * 32];
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* tile = c + (long)ir * ldc + jr;
                float* pa = packA + (long)ir * kc, pb = packB + (long)jr * kc;
                if (rows == mr && cols == nr)
                    Micro(kc, pa, pb, alpha, beta, tile, ldc);
                else if (cols == nr && rows <= ShortRows)
                    // A panel's last rows (256 = 21·12 + 4 = 42·6 + 4): a kernel of about their height, not a whole tile.
                    ShortMicro(rows, kc, pa, pb, alpha, beta, tile, ldc);
                else
                {
                    // Partial tile: compute the full tile aside, then merge the valid part.
                    Micro(kc, pa, pb, 1f, 0f, edge, nr);
                    for (int r = 0; r < rows; r++)
                        for (int col = 0; col < cols; col++)
                            PutDot(tile + (long)r * ldc + col, edge[r * nr + col], alpha, beta);
                }
                epilogue.Apply(c, ldc, ir, rows, jr, cols);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Micro(int kc, float* a, float* b, float alpha, float beta, float* c, int ldc)
    {
        if (Wide) GemmMicroKernels.Avx512(kc, a, b, alpha, beta, c, ldc);
        else GemmMicroKernels.Avx2(kc, a, b, alpha, beta, c, ldc);
    }

    /// <summary>The first <paramref name="rows"/> (at most <see cref="ShortRows"/>) rows of a tile, stored as a partial tile's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ShortMicro(int rows, int kc, float* a, float* b, float alpha, float beta, float* c, int ldc)
    {
        if (Wide) GemmMicroKernels.Avx512Rows(rows, kc, a, b, alpha, beta, c, ldc);
        else GemmMicroKernels.Avx2Rows(rows, kc, a, b, alpha, beta, c, ldc);
    }
}
