using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// The products with a patch matrix P(x) computed directly from the images: no patch matrix and no
/// packed copy of it. Element (k, column) of P, k = (c, i, j) and column = (b, oh, ow), is the pixel
/// at bases[column] + offsets[k] of the images, so the micro-kernel broadcasts its pixels straight
/// from the images, the other operand packed into panels of output channels (32, or 16 without
/// AVX-512: <see cref="ConvolutionChannels"/>):
/// <list type="bullet">
/// <item>a convolution C = W·P [channels, positions]: tiles of 6 positions (each pixel pointer fixed
/// at its position's base) by a panel of channels, summed over k (stepping through the offsets);</item>
/// <item>a weight gradient C = A·Pᵀ [channels, k]: tiles of 6 rows k (pointers fixed at their
/// offsets) by a panel of channels, summed over the positions (stepping through the bases).</item>
/// </list>
/// A tile takes only the steps whose window tap lies inside the image for one of its items
/// (<see cref="DirectPlan"/>): the others multiply padding, zeros. The items are ordered so that a
/// tile's items reach the same taps (a convolution's positions by the image border they are near,
/// a weight gradient's taps by the border they hang over), and then the images need no padded copy:
/// gan_mnist.py's 5×5 windows at stride 2 spent 16% (conv2) and 36% (conv3) of their multiply-adds
/// on the padding, and conv3's forward 13.0 ms at batch 50 on one Zen 4 thread, now 8.8.
/// <para>
/// The sums are those of the packed GEMM to the last bit: for each element the same multiply-adds
/// in the same order, the reduction from 0 in slabs of <see cref="KC"/>, each slab summed from 0 and
/// added to the running total — a step skipped would have added 0·w, which leaves a sum as it is
/// (a sum from +0 is never −0) — so a run gives the same numbers whichever path a product takes.
/// Only a weight of ±∞ or NaN on the padding differs: the GEMM's 0·∞ is NaN, and here, as in
/// PyTorch's CPU convolutions, the padding does not take part.
/// </para>
/// </summary>
public static unsafe partial class CpuGemm
{
    /// <summary>Pixels per tile (positions, or rows of P) and output channels per panel: 6 × 16 accumulators of 8 lanes.</summary>
    private const int DirectItems = 6, DirectChannels = 16;

    /// <summary>
    /// Output channels per panel of <see cref="ConvolveDirect"/> and <see cref="ProductIntoImages"/>:
    /// 32 where AVX-512 is (6 × 32 in twelve 16-lane accumulators: each pixel broadcast feeds twice
    /// the multiply-adds — conv2's forward 9.0 → 8.4 ms and conv3's weight gradient 9.4 → 8.7 on a
    /// Zen 4 thread), else 16. Tests set 16 to run the 8-lane kernel on AVX-512 machines too; the
    /// numbers are the same either way.
    /// </summary>
    public static int ConvolutionChannels
    {
        get => _convChannels;
        set => _convChannels = value == DirectChannels || (value == 32 && Wide)
            ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"16, or 32 where AVX-512 is (here: {(Wide ? "yes" : "no")}).");
    }

    private static int _convChannels = Wide ? 32 : DirectChannels;

    /// <summary>
    /// Tiles that go through every channel panel (and slab, and window offset) before the next
    /// ones start, so that their pixels and sums stay in L2 (a few percent on col2im(Wᵀ·U) at
    /// gan_mnist.py's sizes; no clear difference elsewhere).
    /// </summary>
    private const int DirectBlock = 32;

    /// <summary>
    /// Whether <see cref="ConvolveDirect"/> takes the product W·P(x) (or, <paramref name="transposed"/>,
    /// A·P(x)ᵀ): it needs AVX2 and FMA, at least 16 items (Columns, or Rows) and, for a weight
    /// gradient, a reduction over at least <see cref="DirectMinimum"/> positions. A convolution
    /// over a short reduction is faster directly too, now that its tiles go to C through registers
    /// and leave out the padding: gan_mnist.py's first layer (25 rows, batch 50, one Zen 4 thread)
    /// 0.51 ms against 0.81 through packed panels, a 3×3 window over one channel 0.74 against 1.44,
    /// over three channels about even (4.9 and 4.5 ms, C's stores the larger part).
    /// </summary>
    public static bool ConvolvesDirectly(PatchGeometry g, bool transposed = false) =>
        Avx2.IsSupported && Fma.IsSupported && (!transposed || g.Columns >= DirectMinimum) && (transposed ? g.Rows : g.Columns) >= 16;

    private const int DirectMinimum = 64;

    [ThreadStatic] private static float[]? _padded, _packChannels;

    /// <summary>
    /// C = A·P(x) (A [m, Rows]: a convolution's weights) or, <paramref name="transposed"/>, C = A·P(x)ᵀ
    /// (A [m, Columns]: a convolution's output gradient), A row-major with leading dimension lda,
    /// C [m, Columns] or [m, Rows] with ldc; then the epilogue (α = 1, β = 0). With
    /// <paramref name="nchw"/> (a convolution only), C's column (b, oh, ow) of row o goes to
    /// [b, o, oh, ow] of NCHW images instead, ldc being OutH·OutW.
    /// </summary>
    public static void ConvolveDirect(bool transposed, int m, float* a, int lda, float* images, PatchGeometry g, float* c, int ldc, Epilogue epilogue = default,
        bool nchw = false)
    {
        if (nchw && (transposed || ldc != g.OutH * g.OutW)) throw new ArgumentException("Images out are a convolution's forward, a row of OutH·OutW each.");
        if (!(Avx2.IsSupported && Fma.IsSupported)) throw new PlatformNotSupportedException("The direct convolution needs AVX2 and FMA.");
        int width = _convChannels;
        var plan = DirectPlan.Of(g, transposed, width);
        int stepCount = transposed ? g.Columns : g.Rows;
        float* x = plan.Padded ? Padded(images, g) : images;
        int panels = (m + width - 1) / width;
        float* packed = Pinned(ref _packChannels, (long)panels * width * stepCount);
        var channels = new Operand((nint)a, lda, 1);
        nint into = (nint)packed;
        CpuParallel.For(panels, Math.Max(1, (1 << 16) / (width * stepCount)), (start, end) =>
        {
            for (int panel = start; panel < end; panel++)
            {
                int first = panel * width;
                PackPanels(channels, first, 0, Math.Min(width, m - first), stepCount, width, (float*)into + (long)first * stepCount);
            }
        });

        // Threads take runs of tiles of about equal cost, each every channel panel.
        int tiles = plan.Tiles;
        long flops = 2L * m * DirectItems * plan.Cost[tiles];
        int threads = (int)Math.Min(Math.Min(CpuParallel.Threads, Environment.ProcessorCount), Math.Max(1, Math.Min(tiles, flops / (1 << 20))));
        nint px = (nint)x, pp = (nint)packed, pc = (nint)c;
        // With few tiles (a weight gradient of few rows) the threads split the channel panels instead.
        bool byPanels = tiles < 4 * threads && panels >= threads;
        CpuParallel.Run(threads, t =>
        {
            int t0 = 0, t1 = tiles, p0 = 0, p1 = panels;
            if (byPanels) (p0, p1) = (panels * t / threads, panels * (t + 1) / threads);
            else (t0, t1) = (plan.Split(t, threads), plan.Split(t + 1, threads));
            for (int block = t0; block < t1; block += DirectBlock)
                DirectTiles(plan, width, m, p0, p1, block, Math.Min(t1, block + DirectBlock), (float*)px, (float*)pp, (float*)pc, ldc, epilogue, nchw);
        });
    }

    /// <summary>
    /// Where part <paramref name="part"/> of <paramref name="parts"/> of some work starts, given
    /// <paramref name="cost"/>[t] = the cost of items 0 … t − 1 (one entry more than items): the first
    /// t with cost[t] ≥ part/parts of the total — so that items of no cost do not move the bounds —
    /// or every item for the last part's end.
    /// </summary>
    private static int ShareStart(long[] cost, int part, int parts)
    {
        int items = cost.Length - 1;
        if (part <= 0) return 0;
        if (part >= parts) return items;
        int lo = 0, hi = items;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (cost[mid] * parts < cost[items] * part) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    [ThreadStatic] private static float[]? _tileSums;

    /// <summary>
    /// Channel panels p0 … p1 − 1 of C at the tiles t0 … t1 − 1 (6 items each): slab by slab of KC
    /// steps, panel by panel, every tile's sums over its steps in the slab (from 0) added to its
    /// total as the packed GEMM adds them into C — a panel's width·KC packed values stay in L1 while
    /// the tiles pass, and the tiles' pixels of the slab stay in L2 while the panels pass (a tile
    /// of a convolution's inner positions can span two images: with the panels outside the slabs,
    /// conv3's pixels came from L3 once per panel) — then the totals, through the epilogue,
    /// written into C ([channels, items]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DirectTiles(DirectPlan plan, int width, int m, int p0, int p1, int t0, int t1, float* x, float* packed, float* c, int ldc, Epilogue epilogue,
        bool nchw)
    {
        int size = DirectItems * width;
        int tiles = t1 - t0;
        float* totals = Pinned(ref _tileSums, (long)(p1 - p0) * tiles * size);
        fixed (int* pixels = plan.Pixels, columns = plan.Columns)
        {
            for (int slab = 0; slab < plan.Slabs; slab++)
                for (int panel = p0; panel < p1; panel++)
                {
                    float* values = packed + (long)panel * width * plan.StepCount;
                    float* sums = totals + (long)(panel - p0) * tiles * size;
                    for (int tile = t0; tile < t1; tile++)
                    {
                        var list = plan.Lists[plan.ListOf[tile]];
                        int from = list.Slabs[slab], count = list.Slabs[slab + 1] - from;
                        if (slab > 0 && count == 0) continue;
                        int* at = pixels + tile * DirectItems;
                        float* total = sums + (long)(tile - t0) * size;
                        fixed (int* steps = list.Steps)
                            if (slab == 0) Micro<StoreSums>(width, count, x, at, steps + 2 * from, values, total);
                            else Micro<AddSums>(width, count, x, at, steps + 2 * from, values, total);
                    }
                }
            // Where each item goes in a row of C: its column, or in NCHW images (b, oh, ow) → b·m·ldc + oh·OutW + ow.
            int* places = stackalloc int[DirectItems];
            for (int panel = p0; panel < p1; panel++)
            {
                int channels = Math.Min(width, m - panel * width);
                for (int tile = t0; tile < t1; tile++)
                {
                    float* total = totals + ((long)(panel - p0) * tiles + tile - t0) * size;
                    int* at = columns + tile * DirectItems;
                    epilogue.ApplyToTile(total, DirectItems, width, at, panel * width, channels);
                    int* place = at;
                    if (nchw)
                    {
                        for (int r = 0; r < DirectItems; r++) places[r] = at[r] < 0 ? -1 : at[r] / ldc * m * ldc + at[r] % ldc;
                        place = places;
                    }
                    PutTile(total, width, place, channels, c + (long)panel * width * ldc, ldc);
                }
            }
        }
    }

    /// <summary>A tile's sums over <paramref name="count"/> steps (pairs at <paramref name="steps"/>) by the micro-kernel of the panel's width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Micro<TOut>(int width, int count, float* x, int* at, int* steps, float* values, float* total) where TOut : struct, IDirectOut
    {
        float* x0 = x + at[0], x1 = x + at[1], x2 = x + at[2], x3 = x + at[3], x4 = x + at[4], x5 = x + at[5];
        if (width == 32) DirectMicroWide<PairedSteps, TOut>(count, x0, x1, x2, x3, x4, x5, steps, values, total);
        else DirectMicro<PairedSteps, TOut>(count, x0, x1, x2, x3, x4, x5, steps, values, total);
    }

    /// <summary>
    /// A tile's sums into C: total[r·width + q] (channel q at item r) to row[q·ldc + columns[r]] —
    /// an item's column of C, or its place in NCHW images — items at −1 left out. A whole tile (every channel, no filler) is transposed in registers,
    /// 8 channels at a time, and each channel's 6 sums stored as 4 + 2 where its columns are
    /// consecutive, else one by one (element by element, 4% of conv2's forward and 6% of conv3's
    /// went into these stores); any other tile goes element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutTile(float* total, int width, int* columns, int channels, float* row, int ldc)
    {
        bool whole = channels == width && columns[DirectItems - 1] >= 0, consecutive = whole;
        for (int r = 1; r < DirectItems && consecutive; r++) consecutive = columns[r] == columns[0] + r;
        if (!whole)
        {
            for (int r = 0; r < DirectItems; r++)
            {
                int column = columns[r];
                if (column < 0) continue;
                for (int q = 0; q < channels; q++) row[(long)q * ldc + column] = total[r * width + q];
            }
            return;
        }
        nint k0 = columns[0], k1 = columns[1], k2 = columns[2], k3 = columns[3], k4 = columns[4], k5 = columns[5];
        for (int eighth = 0; eighth < width; eighth += 8, total += 8, row += 8 * ldc)
        {
            // Item r's channels 0…7 of these eight, then pairs of items interleaved.
            var r0 = Vector256.Load(total); var r1 = Vector256.Load(total + width); var r2 = Vector256.Load(total + 2 * width);
            var r3 = Vector256.Load(total + 3 * width); var r4 = Vector256.Load(total + 4 * width); var r5 = Vector256.Load(total + 5 * width);
            var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);   // items 0,1 of channels 0,1 | 4,5 and 2,3 | 6,7
            var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5).AsDouble(); var t5 = Avx.UnpackHigh(r4, r5).AsDouble();
            // Items 0…3 of channel q (lanes 0-3) and of channel q + 4 (lanes 4-7).
            var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
            if (consecutive)
            {
                float* at = row + k0;
                PutSix(at, u0.GetLower(), t4.GetLower(), false); PutSix(at + ldc, u1.GetLower(), t4.GetLower(), true);
                PutSix(at + 2 * ldc, u2.GetLower(), t5.GetLower(), false); PutSix(at + 3 * ldc, u3.GetLower(), t5.GetLower(), true);
                PutSix(at + 4 * ldc, u0.GetUpper(), t4.GetUpper(), false); PutSix(at + 5 * ldc, u1.GetUpper(), t4.GetUpper(), true);
                PutSix(at + 6 * ldc, u2.GetUpper(), t5.GetUpper(), false); PutSix(at + 7 * ldc, u3.GetUpper(), t5.GetUpper(), true);
            }
            else
            {
                float* at = row;
                ScatterSix(at, k0, k1, k2, k3, k4, k5, u0.GetLower(), t4.GetLower().AsSingle(), false);
                ScatterSix(at + ldc, k0, k1, k2, k3, k4, k5, u1.GetLower(), t4.GetLower().AsSingle(), true);
                ScatterSix(at + 2 * ldc, k0, k1, k2, k3, k4, k5, u2.GetLower(), t5.GetLower().AsSingle(), false);
                ScatterSix(at + 3 * ldc, k0, k1, k2, k3, k4, k5, u3.GetLower(), t5.GetLower().AsSingle(), true);
                ScatterSix(at + 4 * ldc, k0, k1, k2, k3, k4, k5, u0.GetUpper(), t4.GetUpper().AsSingle(), false);
                ScatterSix(at + 5 * ldc, k0, k1, k2, k3, k4, k5, u1.GetUpper(), t4.GetUpper().AsSingle(), true);
                ScatterSix(at + 6 * ldc, k0, k1, k2, k3, k4, k5, u2.GetUpper(), t5.GetUpper().AsSingle(), false);
                ScatterSix(at + 7 * ldc, k0, k1, k2, k3, k4, k5, u3.GetUpper(), t5.GetUpper().AsSingle(), true);
            }
        }
    }

    /// <summary>Items 0…3 from <paramref name="first"/>, items 4 and 5 from the low or high pair of <paramref name="pairs"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutSix(float* row, Vector128<float> first, Vector128<double> pairs, bool high)
    {
        first.Store(row);
        if (high) Sse2.StoreHigh((double*)(row + 4), pairs);
        else Sse2.StoreScalar((double*)(row + 4), pairs);
    }

    /// <summary>As <see cref="PutSix"/>, each item to its own column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScatterSix(float* row, nint k0, nint k1, nint k2, nint k3, nint k4, nint k5, Vector128<float> first, Vector128<float> pairs, bool high)
    {
        row[k0] = first.ToScalar();
        row[k1] = first.GetElement(1);
        row[k2] = first.GetElement(2);
        row[k3] = first.GetElement(3);
        row[k4] = pairs.GetElement(high ? 2 : 0);
        row[k5] = pairs.GetElement(high ? 3 : 1);
    }

    /// <summary>
    /// The 6×16 micro-kernel: per step p, two vectors of 8 channels' values (w) and the six items'
    /// pixels x_r[s(p)] broadcast, twelve fused multiply-adds; then each item's 16 sums (from 0)
    /// stored at <paramref name="sums"/> + 16·r, or added to what is there (see <typeparamref name="TOut"/>).
    /// Steps come from a list of pairs (pixel offset, offset of the step's 16 values in w), or are
    /// consecutive: pixel p, values at w + 16·p (a contiguous row: no index to load).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DirectMicro<TSteps, TOut>(int kc, float* x0, float* x1, float* x2, float* x3, float* x4, float* x5, int* offset, float* w,
        float* sums, int valid = DirectAll)
        where TSteps : struct, IDirectSteps where TOut : struct, IDirectOut
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            nint at = TSteps.At(offset, p);
            float* wp = w + TSteps.Values(offset, p);
            var w0 = Vector256.Load(wp);
            var w1 = Vector256.Load(wp + 8);
            var a = Vector256.Create(x0[at]);
            c00 = Fma.MultiplyAdd(a, w0, c00); c01 = Fma.MultiplyAdd(a, w1, c01);
            a = Vector256.Create(x1[at]);
            c10 = Fma.MultiplyAdd(a, w0, c10); c11 = Fma.MultiplyAdd(a, w1, c11);
            a = Vector256.Create(x2[at]);
            c20 = Fma.MultiplyAdd(a, w0, c20); c21 = Fma.MultiplyAdd(a, w1, c21);
            a = Vector256.Create(x3[at]);
            c30 = Fma.MultiplyAdd(a, w0, c30); c31 = Fma.MultiplyAdd(a, w1, c31);
            a = Vector256.Create(x4[at]);
            c40 = Fma.MultiplyAdd(a, w0, c40); c41 = Fma.MultiplyAdd(a, w1, c41);
            a = Vector256.Create(x5[at]);
            c50 = Fma.MultiplyAdd(a, w0, c50); c51 = Fma.MultiplyAdd(a, w1, c51);
        }
        TOut.Put(sums, 0, c00, c01, valid); TOut.Put(sums, 1, c10, c11, valid); TOut.Put(sums, 2, c20, c21, valid);
        TOut.Put(sums, 3, c30, c31, valid); TOut.Put(sums, 4, c40, c41, valid); TOut.Put(sums, 5, c50, c51, valid);
    }

    /// <summary>
    /// <see cref="DirectMicro"/> for 32 channels where AVX-512 is: per step two 16-lane vectors of
    /// channels' values and the six pixels broadcast, twelve fused multiply-adds of 16 lanes, each
    /// pixel load feeding twice the sums of the 8-lane kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DirectMicroWide<TSteps, TOut>(int kc, float* x0, float* x1, float* x2, float* x3, float* x4, float* x5, int* steps, float* w,
        float* sums, int valid = DirectAll) where TSteps : struct, IDirectSteps where TOut : struct, IDirectOut
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            nint at = TSteps.At(steps, p);
            float* wp = w + TSteps.Values(steps, p);
            var w0 = Vector512.Load(wp);
            var w1 = Vector512.Load(wp + 16);
            var a = Vector512.Create(x0[at]);
            c00 = Vector512.FusedMultiplyAdd(a, w0, c00); c01 = Vector512.FusedMultiplyAdd(a, w1, c01);
            a = Vector512.Create(x1[at]);
            c10 = Vector512.FusedMultiplyAdd(a, w0, c10); c11 = Vector512.FusedMultiplyAdd(a, w1, c11);
            a = Vector512.Create(x2[at]);
            c20 = Vector512.FusedMultiplyAdd(a, w0, c20); c21 = Vector512.FusedMultiplyAdd(a, w1, c21);
            a = Vector512.Create(x3[at]);
            c30 = Vector512.FusedMultiplyAdd(a, w0, c30); c31 = Vector512.FusedMultiplyAdd(a, w1, c31);
            a = Vector512.Create(x4[at]);
            c40 = Vector512.FusedMultiplyAdd(a, w0, c40); c41 = Vector512.FusedMultiplyAdd(a, w1, c41);
            a = Vector512.Create(x5[at]);
            c50 = Vector512.FusedMultiplyAdd(a, w0, c50); c51 = Vector512.FusedMultiplyAdd(a, w1, c51);
        }
        TOut.Put(sums, 0, c00, c01, valid); TOut.Put(sums, 1, c10, c11, valid); TOut.Put(sums, 2, c20, c21, valid);
        TOut.Put(sums, 3, c30, c31, valid); TOut.Put(sums, 4, c40, c41, valid); TOut.Put(sums, 5, c50, c51, valid);
    }

    /// <summary>All six items of a tile.</summary>
    private const int DirectAll = (1 << DirectItems) - 1;

    /// <summary>Where the micro-kernel's step p lies: its pixel's offset, and where its 16 values start.</summary>
    private interface IDirectSteps
    {
        static abstract nint At(int* steps, nint p);
        static abstract nint Values(int* steps, nint p);
    }

    private struct PairedSteps : IDirectSteps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint At(int* steps, nint p) => steps[2 * p];
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint Values(int* steps, nint p) => steps[2 * p + 1];
    }

    private struct ConsecutiveSteps : IDirectSteps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint At(int* steps, nint p) => p;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint Values(int* steps, nint p) => p * DirectChannels;
    }

    /// <summary><see cref="ConsecutiveSteps"/> over panels of 32 channels.</summary>
    private struct ConsecutiveWideSteps : IDirectSteps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint At(int* steps, nint p) => p;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint Values(int* steps, nint p) => p * 32;
    }

    /// <summary>What the micro-kernel does with item r's sums: store them, or add them where item r is in <c>valid</c>.</summary>
    private interface IDirectOut
    {
        static abstract void Put(float* sums, int r, Vector256<float> low, Vector256<float> high, int valid);

        /// <summary>The same for 32 channels.</summary>
        static abstract void Put(float* sums, int r, Vector512<float> low, Vector512<float> high, int valid);
    }

    private struct StoreSums : IDirectOut
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Put(float* sums, int r, Vector256<float> low, Vector256<float> high, int valid)
        {
            low.Store(sums + r * DirectChannels);
            high.Store(sums + r * DirectChannels + 8);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Put(float* sums, int r, Vector512<float> low, Vector512<float> high, int valid)
        {
            low.Store(sums + r * 32);
            high.Store(sums + r * 32 + 16);
        }
    }

    private struct AddSums : IDirectOut
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Put(float* sums, int r, Vector256<float> low, Vector256<float> high, int valid)
        {
            if ((valid >> r & 1) == 0) return;
            float* at = sums + r * DirectChannels;
            (Vector256.Load(at) + low).Store(at);
            (Vector256.Load(at + 8) + high).Store(at + 8);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Put(float* sums, int r, Vector512<float> low, Vector512<float> high, int valid)
        {
            if ((valid >> r & 1) == 0) return;
            float* at = sums + r * 32;
            (Vector512.Load(at) + low).Store(at);
            (Vector512.Load(at + 16) + high).Store(at + 16);
        }
    }

    /// <summary>The images with their zero padding written out ([B, C, H + 2·ph, W + 2·pw]), or the images themselves without padding.</summary>
    private static float* Padded(float* images, PatchGeometry g)
    {
        if (g.PaddingH == 0 && g.PaddingW == 0) return images;
        int hp = g.Height + 2 * g.PaddingH, wp = g.Width + 2 * g.PaddingW, planes = g.Batch * g.Channels;
        float* padded = Pinned(ref _padded, (long)planes * hp * wp);
        nint src = (nint)images, dst = (nint)padded;
        int height = g.Height, width = g.Width, top = g.PaddingH, left = g.PaddingW;
        CpuParallel.For(planes, 64, (start, end) =>
        {
            for (int plane = start; plane < end; plane++)
            {
                float* from = (float*)src + (long)plane * height * width, to = (float*)dst + (long)plane * hp * wp;
                Zero(to, top * wp);
                for (int ih = 0; ih < height; ih++, from += width)
                    PadLine(from, to + (long)(top + ih) * wp, left, width, wp);
                Zero(to + (long)(top + height) * wp, (hp - top - height) * wp);
            }
        });
        return padded;
    }

    /// <summary>
    /// One row of <paramref name="width"/> pixels into a padded row of <paramref name="wp"/> places,
    /// at <paramref name="left"/>, zeros around it. A row of at least 8 pixels goes in whole vectors:
    /// zeros over the first and last 8 places, then the pixels, the last vector overlapping its
    /// neighbour (gan_mnist.py's 14-pixel rows were one vector and ten single stores; padding
    /// conv2's input took 0.38 ms that way, 0.20 ms this way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PadLine(float* from, float* line, int left, int width, int wp)
    {
        if (width < 8)
        {
            Zero(line, left);
            for (int j = 0; j < width; j++) line[left + j] = from[j];
            Zero(line + left + width, wp - left - width);
            return;
        }
        Vector256<float>.Zero.Store(line);
        Vector256<float>.Zero.Store(line + wp - 8);
        Zero(line + 8, left - 8);
        Zero(line + left + width, wp - 8 - left - width);
        int k = 0;
        for (; k <= width - 8; k += 8) Vector256.Load(from + k).Store(line + left + k);
        if (k < width) Vector256.Load(from + width - 8).Store(line + left + width - 8);
    }

    private static void Zero(float* at, int n)
    {
        int i = 0;
        for (; i <= n - 8; i += 8) Vector256<float>.Zero.Store(at + i);
        for (; i < n; i++) at[i] = 0f;
    }

    /// <summary>
    /// How a direct product walks P: its items (C's columns: positions for a convolution, rows k of P
    /// for a weight gradient) in tiles of six, and for each tile the steps of the reduction it takes.
    /// Element (k, column) of P, k = (c, i, j) and column = (b, oh, ow), is pixel
    /// (b, c, oh·s − ph + i, ow·s − pw + j) of the images, or padding (0) outside them. So each item
    /// reaches a rectangle of its partners' (i, j) — or (oh, ow) — inside the image, for every c (or b).
    /// Two ways to tile them, the one with fewer steps taken:
    /// <list type="bullet">
    /// <item><b>by rectangle</b>: six images (or channels) at a time, their items sorted by rectangle
    /// (in their order within one), each rectangle's items filling whole tiles, so that a tile takes
    /// exactly the steps inside the image and reads the images as they are — no padded copy. Six at a
    /// time, a rectangle holds a multiple of six items, and a run of tiles stays within six images
    /// (their pixels stay in L2) and writes nearby columns of C (sorted over the whole batch, conv3's
    /// weight gradient spent 8% of its time storing tiles; this way 4%);</item>
    /// <item><b>in order</b> (when rectangles hold few items: a weight gradient of few channels): six
    /// consecutive items a tile, which takes the steps of the smallest rectangle holding its items'
    /// ones and reads the images zero-padded.</item>
    /// </list>
    /// A tile's item is the pixel offset its pointer starts at (images [B, C, H, W], or
    /// [B, C, H + 2·ph, W + 2·pw] padded), and each step the offset from there; the steps go in
    /// increasing k (or column), marked where each slab of <see cref="KC"/> starts, and tiles of the
    /// same rectangle share them. A rectangle's last tile is filled up with copies of its last item,
    /// computed and dropped (column −1).
    /// </summary>
    private sealed class DirectPlan
    {
        private static readonly TableCache<(PatchGeometry, bool, int), DirectPlan> Plans = new(key => new DirectPlan(key.Item1, key.Item2, key.Item3));

        /// <summary>The plan of a product, its steps' values <paramref name="width"/> floats apart.</summary>
        public static DirectPlan Of(PatchGeometry g, bool transposed, int width) => Plans.Of((g, transposed, width));

        /// <summary>Whether the tiles read the images zero-padded (tiles in order) or as they are (tiles by rectangle).</summary>
        public readonly bool Padded;

        /// <summary>Per tile slot: the item's pixel offset, and its column of C (−1: a filler).</summary>
        public readonly int[] Pixels, Columns;

        /// <summary>Per tile: which of <see cref="Lists"/> it takes.</summary>
        public readonly int[] ListOf;

        /// <summary>Steps as pairs (pixel offset, width·step: where its packed values start), and for each slab the index of its first step (Slabs + 1 entries).</summary>
        public readonly (int[] Steps, int[] Slabs)[] Lists;

        /// <summary>Cost[t]: the steps of tiles 0 … t − 1 together.</summary>
        public readonly long[] Cost;

        public readonly int StepCount, Slabs;

        public int Tiles => ListOf.Length;

        /// <summary>Where part <paramref name="part"/> of <paramref name="parts"/> starts: the first tile by which that share of the cost is done.</summary>
        public int Split(int part, int parts) => ShareStart(Cost, part, parts);

        private readonly PatchGeometry _g;
        private readonly bool _transposed;
        private readonly int _width;

        private DirectPlan(PatchGeometry g, bool transposed, int width)
        {
            _g = g;
            _transposed = transposed;
            _width = width;
            int itemCount = transposed ? g.Rows : g.Columns;
            StepCount = transposed ? g.Columns : g.Rows;
            Slabs = (StepCount + KC - 1) / KC;
            var rects = new Rect[itemCount];
            for (int item = 0; item < itemCount; item++) rects[item] = RectOf(item);

            // Tiles by rectangle (six images or channels at a time), or in order: whichever takes fewer steps.
            int window = transposed ? g.KernelH * g.KernelW : g.OutH * g.OutW;
            (int, Rect) Group(int item) => (item / window / DirectItems, rects[item]);
            var sorted = Enumerable.Range(0, itemCount).OrderBy(Group).ToArray();
            var byRect = new List<(int First, int Count, Rect Box)>();
            for (int start = 0; start < itemCount;)
            {
                int end = start;
                while (end < itemCount && Group(sorted[end]) == Group(sorted[start])) end++;
                for (int first = start; first < end; first += DirectItems)
                    byRect.Add((first, Math.Min(DirectItems, end - first), rects[sorted[first]]));
                start = end;
            }
            var inOrder = new List<(int First, int Count, Rect Box)>();
            for (int first = 0; first < itemCount; first += DirectItems)
            {
                var box = Rect.Empty;
                for (int item = first; item < Math.Min(itemCount, first + DirectItems); item++) box = box.Union(rects[item]);
                inOrder.Add((first, Math.Min(DirectItems, itemCount - first), box));
            }
            long Steps(List<(int First, int Count, Rect Box)> tiles) => tiles.Sum(t => (long)t.Box.Area);
            Padded = Steps(inOrder) < Steps(byRect);
            var plan = Padded ? inOrder : byRect;
            var order = Padded ? Enumerable.Range(0, itemCount).ToArray() : sorted;

            int tileCount = plan.Count;
            Pixels = new int[tileCount * DirectItems];
            Columns = new int[tileCount * DirectItems];
            ListOf = new int[tileCount];
            Cost = new long[tileCount + 1];
            var lists = new List<(int[], int[])>();
            var known = new Dictionary<Rect, int>();
            for (int tile = 0; tile < tileCount; tile++)
            {
                var (first, count, box) = plan[tile];
                for (int r = 0; r < DirectItems; r++)
                {
                    int item = order[first + Math.Min(r, count - 1)], slot = tile * DirectItems + r;
                    Pixels[slot] = ItemPixel(item);
                    Columns[slot] = r < count ? item : -1;
                }
                if (!known.TryGetValue(box, out int list))
                {
                    known[box] = list = lists.Count;
                    lists.Add(StepsIn(box));
                }
                ListOf[tile] = list;
                Cost[tile + 1] = Cost[tile] + lists[list].Item1.Length / 2;
            }
            Lists = [.. lists];
        }

        /// <summary>Rows [R0, R1) and columns [C0, C1) of a 2-D window (taps i, j; or positions oh, ow).</summary>
        private readonly record struct Rect(int R0, int R1, int C0, int C1) : IComparable<Rect>
        {
            public static readonly Rect Empty = new(int.MaxValue, int.MinValue, int.MaxValue, int.MinValue);

            public int Area => Math.Max(0, R1 - R0) * Math.Max(0, C1 - C0);

            public Rect Union(Rect other) => Area == 0 ? other : other.Area == 0 ? this :
                new(Math.Min(R0, other.R0), Math.Max(R1, other.R1), Math.Min(C0, other.C0), Math.Max(C1, other.C1));

            public int CompareTo(Rect other) => (R0, R1, C0, C1).CompareTo((other.R0, other.R1, other.C0, other.C1));
        }

        /// <summary>
        /// The taps (i, j) inside the image for position (oh, ow) — 0 ≤ oh·s − ph + i &lt; H, and so for
        /// columns — or, for tap (i, j), the positions (oh, ow) that take it inside the image.
        /// </summary>
        private Rect RectOf(int item)
        {
            var g = _g;
            if (_transposed)
            {
                int j = item % g.KernelW, i = item / g.KernelW % g.KernelH;
                var (r0, r1) = Positions(i, g.Height, g.PaddingH, g.OutH);
                var (c0, c1) = Positions(j, g.Width, g.PaddingW, g.OutW);
                return new(r0, r1, c0, c1);
            }
            else
            {
                int ow = item % g.OutW, oh = item / g.OutW % g.OutH;
                var (r0, r1) = Taps(oh, g.Height, g.PaddingH, g.KernelH);
                var (c0, c1) = Taps(ow, g.Width, g.PaddingW, g.KernelW);
                return new(r0, r1, c0, c1);
            }

            (int, int) Taps(int o, int size, int pad, int kernel) => (Math.Max(0, pad - o * g.Stride), Math.Min(kernel, size + pad - o * g.Stride));
            (int, int) Positions(int t, int size, int pad, int outs) =>
                (Math.Max(0, CeilDiv(pad - t, g.Stride)), Math.Min(outs, FloorDiv(size - 1 + pad - t, g.Stride) + 1));
        }

        /// <summary>Where element (k, column) of P lies is Offset(k) + Base(column), in the padded images or (possibly outside the image for one of them alone) in the images as they are.</summary>
        private int Offset(int k)
        {
            var g = _g;
            int j = k % g.KernelW, i = k / g.KernelW % g.KernelH, c = k / (g.KernelH * g.KernelW);
            return Padded ? (c * (g.Height + 2 * g.PaddingH) + i) * (g.Width + 2 * g.PaddingW) + j
                : (c * g.Height + i - g.PaddingH) * g.Width + j - g.PaddingW;
        }

        private int Base(int column)
        {
            var g = _g;
            int ow = column % g.OutW, oh = column / g.OutW % g.OutH, b = column / (g.OutW * g.OutH);
            int hp = Padded ? g.Height + 2 * g.PaddingH : g.Height, wp = Padded ? g.Width + 2 * g.PaddingW : g.Width;
            return (b * g.Channels * hp + oh * g.Stride) * wp + ow * g.Stride;
        }

        private int ItemPixel(int item) => _transposed ? Offset(item) : Base(item);

        /// <summary>The steps inside a rectangle, increasing: k = (c, i, j), or column = (b, oh, ow); and where each slab starts among them.</summary>
        private (int[], int[]) StepsIn(Rect box)
        {
            var g = _g;
            int outer = _transposed ? g.Batch : g.Channels, rows = _transposed ? g.OutH : g.KernelH, cols = _transposed ? g.OutW : g.KernelW;
            var steps = new List<int>();
            var slabs = new int[Slabs + 1];
            int slab = 0;
            for (int o = 0; o < outer; o++)
                for (int i = box.R0; i < box.R1; i++)
                    for (int j = box.C0; j < box.C1; j++)
                    {
                        int step = (o * rows + i) * cols + j;
                        while (slab < Slabs && step >= (slab + 1) * KC) slabs[++slab] = steps.Count / 2;
                        steps.Add(_transposed ? Base(step) : Offset(step));
                        steps.Add(step * _width);
                    }
            while (slab < Slabs) slabs[++slab] = steps.Count / 2;
            return ([.. steps], slabs);
        }

        private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);

        private static int CeilDiv(int a, int b) => (int)Math.Ceiling((double)a / b);
    }
}
