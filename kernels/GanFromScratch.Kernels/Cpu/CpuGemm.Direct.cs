using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// The products with a patch matrix P(x) computed directly from the images: no patch matrix and no
/// packed copy of it. Element (k, column) of P, k = (c, i, j) and column = (b, oh, ow), is the pixel
/// at bases[column] + offsets[k] of the images zero-padded once per call (<see cref="DirectTables"/>),
/// so the micro-kernel broadcasts its pixels straight from the images, the other operand packed into
/// panels of sixteen output channels:
/// <list type="bullet">
/// <item>a convolution C = W·P [channels, positions]: tiles of 6 positions (each pixel pointer fixed
/// at its position's base) by 16 channels, summed over k (stepping through the offsets);</item>
/// <item>a weight gradient C = A·Pᵀ [channels, k]: tiles of 6 rows k (pointers fixed at their
/// offsets) by 16 channels, summed over the positions (stepping through the bases).</item>
/// </list>
/// The sums are those of the packed GEMM to the last bit: for each element the same multiply-adds
/// in the same order, the reduction from 0 in slabs of <see cref="KC"/>, each slab summed from 0 and
/// added to the running total — so a run gives the same numbers whichever path a product takes.
/// </summary>
public static unsafe partial class CpuGemm
{
    /// <summary>Pixels per tile (positions, or rows of P) and output channels per panel: 6 × 16 accumulators of 8 lanes.</summary>
    private const int DirectItems = 6, DirectChannels = 16;

    /// <summary>
    /// Tiles that go through every channel panel (and slab, and window offset) before the next
    /// ones start, so that their pixels and sums stay in L2 (a few percent on col2im(Wᵀ·U) at
    /// gan_mnist.py's sizes; no clear difference elsewhere).
    /// </summary>
    private const int DirectBlock = 32;

    /// <summary>
    /// Whether <see cref="ConvolveDirect"/> takes the product W·P(x) (or, <paramref name="transposed"/>,
    /// A·P(x)ᵀ): it needs AVX2 and FMA, a reduction (Rows, or Columns) of at least
    /// <see cref="DirectMinimum"/> and at least 16 items (Columns, or Rows) — over a short reduction
    /// each tile's stores outweigh its sums: gan_mnist.py's first layer (25 rows) convolves faster
    /// through packed panels (0.8 ms against 1.0 at batch 50, one thread), while its weight
    /// gradient, 25 rows by 9,800 positions, is faster directly.
    /// </summary>
    public static bool ConvolvesDirectly(PatchGeometry g, bool transposed = false) =>
        Avx2.IsSupported && Fma.IsSupported && (transposed ? g.Columns : g.Rows) >= DirectMinimum && (transposed ? g.Rows : g.Columns) >= 16;

    private const int DirectMinimum = 64;

    [ThreadStatic] private static float[]? _padded, _packChannels;

    /// <summary>
    /// C = A·P(x) (A [m, Rows]: a convolution's weights) or, <paramref name="transposed"/>, C = A·P(x)ᵀ
    /// (A [m, Columns]: a convolution's output gradient), A row-major with leading dimension lda,
    /// C [m, Columns] or [m, Rows] with ldc; then the epilogue (α = 1, β = 0).
    /// </summary>
    public static void ConvolveDirect(bool transposed, int m, float* a, int lda, float* images, PatchGeometry g, float* c, int ldc, Epilogue epilogue = default)
    {
        if (!(Avx2.IsSupported && Fma.IsSupported)) throw new PlatformNotSupportedException("The direct convolution needs AVX2 and FMA.");
        var (offsets, bases) = DirectTables.Of(g);
        // Items are C's columns, one pixel pointer each; steps are the reduction.
        var (items, steps) = transposed ? (offsets, bases) : (bases, offsets);
        int itemCount = transposed ? g.Rows : g.Columns, stepCount = transposed ? g.Columns : g.Rows;
        float* x = Padded(images, g);
        int panels = (m + DirectChannels - 1) / DirectChannels;
        float* packed = Pinned(ref _packChannels, (long)panels * DirectChannels * stepCount);
        var channels = new Operand((nint)a, lda, 1);
        nint into = (nint)packed;
        CpuParallel.For(panels, Math.Max(1, (1 << 16) / (DirectChannels * stepCount)), (start, end) =>
        {
            for (int panel = start; panel < end; panel++)
            {
                int first = panel * DirectChannels;
                PackPanels(channels, first, 0, Math.Min(DirectChannels, m - first), stepCount, DirectChannels, (float*)into + (long)first * stepCount);
            }
        });

        // Threads take contiguous runs of tiles, each every channel panel.
        int tiles = (itemCount + DirectItems - 1) / DirectItems;
        long flops = 2L * m * itemCount * stepCount;
        int threads = (int)Math.Min(Math.Min(CpuParallel.Threads, Environment.ProcessorCount), Math.Max(1, Math.Min(tiles, flops / (1 << 20))));
        nint px = (nint)x, pp = (nint)packed, pc = (nint)c;
        // With few tiles (a weight gradient of few rows) the threads split the channel panels instead.
        bool byPanels = tiles < 4 * threads && panels >= threads;
        CpuParallel.Run(threads, t =>
        {
            int t0 = 0, t1 = tiles, p0 = 0, p1 = panels;
            if (byPanels) (p0, p1) = (panels * t / threads, panels * (t + 1) / threads);
            else (t0, t1) = ((int)((long)tiles * t / threads), (int)((long)tiles * (t + 1) / threads));
            fixed (int* item = items, step = steps)
                for (int block = t0; block < t1; block += DirectBlock)
                    for (int panel = p0; panel < p1; panel++)
                        DirectPanel(m, panel, block, Math.Min(t1, block + DirectBlock), itemCount, stepCount, (float*)px, item, step, (float*)pp, (float*)pc, ldc);
            int c0 = Math.Min(itemCount, t0 * DirectItems), c1 = Math.Min(itemCount, t1 * DirectItems);
            int r0 = Math.Min(m, p0 * DirectChannels), r1 = Math.Min(m, p1 * DirectChannels);
            epilogue.Apply((float*)pc, ldc, r0, r1 - r0, c0, c1 - c0);
        });
    }

    [ThreadStatic] private static float[]? _tileSums;

    /// <summary>
    /// Channels panel·16 … +15 of C at the tiles t0 … t1 − 1 (6 columns each): slab by slab of KC
    /// steps, every tile's sums over the slab (from 0) added to its total as the packed GEMM adds
    /// them into C — the slab's 16·KC packed values stay in L1 while the tiles pass — then the totals
    /// written into C ([channels, columns]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DirectPanel(int m, int panel, int t0, int t1, int itemCount, int stepCount, float* x, int* items, int* steps,
        float* packed, float* c, int ldc)
    {
        const int size = DirectItems * DirectChannels;
        float* totals = Pinned(ref _tileSums, (long)(t1 - t0) * size);
        float* values = packed + (long)panel * DirectChannels * stepCount;
        for (int k0 = 0; k0 < stepCount; k0 += KC)
        {
            int kc = Math.Min(KC, stepCount - k0);
            for (int tile = t0; tile < t1; tile++)
            {
                int* at = items + tile * DirectItems;
                float* total = totals + (long)(tile - t0) * size;
                float* from = values + (long)k0 * DirectChannels;
                if (k0 == 0) DirectMicro<ListedSteps, StoreSums>(kc, x + at[0], x + at[1], x + at[2], x + at[3], x + at[4], x + at[5], steps, from, total);
                else DirectMicro<ListedSteps, AddSums>(kc, x + at[0], x + at[1], x + at[2], x + at[3], x + at[4], x + at[5], steps + k0, from, total);
            }
        }
        int channels = Math.Min(DirectChannels, m - panel * DirectChannels);
        for (int tile = t0; tile < t1; tile++)
        {
            int item0 = tile * DirectItems;
            PutTile(totals + (long)(tile - t0) * size, Math.Min(DirectItems, itemCount - item0), channels, c + (long)panel * DirectChannels * ldc + item0, ldc);
        }
    }

    /// <summary>
    /// A tile's sums into C: total[r·16 + q] (channel q at item r) to row[q·ldc + r]. A whole tile,
    /// 16 channels by 6 items, is transposed in registers, 8 channels at a time, and each channel's 6
    /// sums stored as 4 + 2 (96 single loads and stores before: 4% of conv2's forward, 6% of conv3's);
    /// a partial tile goes element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutTile(float* total, int count, int channels, float* row, int ldc)
    {
        if (count < DirectItems || channels < DirectChannels)
        {
            for (int q = 0; q < channels; q++, row += ldc)
                for (int r = 0; r < count; r++) row[r] = total[r * DirectChannels + q];
            return;
        }
        for (int half = 0; half < 2; half++, total += 8, row += 8 * ldc)
        {
            // Item r's channels 0…7 of this half, then pairs of items interleaved.
            var r0 = Vector256.Load(total); var r1 = Vector256.Load(total + 16); var r2 = Vector256.Load(total + 32);
            var r3 = Vector256.Load(total + 48); var r4 = Vector256.Load(total + 64); var r5 = Vector256.Load(total + 80);
            var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);   // items 0,1 of channels 0,1 | 4,5 and 2,3 | 6,7
            var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5).AsDouble(); var t5 = Avx.UnpackHigh(r4, r5).AsDouble();
            // Items 0…3 of channel q (lanes 0-3) and of channel q + 4 (lanes 4-7).
            var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
            PutSix(row, u0.GetLower(), t4.GetLower(), false); PutSix(row + ldc, u1.GetLower(), t4.GetLower(), true);
            PutSix(row + 2 * ldc, u2.GetLower(), t5.GetLower(), false); PutSix(row + 3 * ldc, u3.GetLower(), t5.GetLower(), true);
            PutSix(row + 4 * ldc, u0.GetUpper(), t4.GetUpper(), false); PutSix(row + 5 * ldc, u1.GetUpper(), t4.GetUpper(), true);
            PutSix(row + 6 * ldc, u2.GetUpper(), t5.GetUpper(), false); PutSix(row + 7 * ldc, u3.GetUpper(), t5.GetUpper(), true);
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

    /// <summary>
    /// The 6×16 micro-kernel: per step p, two vectors of 8 channels' values (w) and the six items'
    /// pixels x_r[s(p)] broadcast, twelve fused multiply-adds; then each item's 16 sums (from 0)
    /// stored at <paramref name="sums"/> + 16·r, or added to what is there (see <typeparamref name="TOut"/>).
    /// Steps s(p) are the listed offsets, or p itself (a contiguous row: no index to load).
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
            var w0 = Vector256.Load(w);
            var w1 = Vector256.Load(w + 8);
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
            w += DirectChannels;
        }
        TOut.Put(sums, 0, c00, c01, valid); TOut.Put(sums, 1, c10, c11, valid); TOut.Put(sums, 2, c20, c21, valid);
        TOut.Put(sums, 3, c30, c31, valid); TOut.Put(sums, 4, c40, c41, valid); TOut.Put(sums, 5, c50, c51, valid);
    }

    /// <summary>All six items of a tile.</summary>
    private const int DirectAll = (1 << DirectItems) - 1;

    /// <summary>Where the micro-kernel's steps lie: listed offsets, or consecutive ones.</summary>
    private interface IDirectSteps { static abstract nint At(int* offset, nint p); }

    private struct ListedSteps : IDirectSteps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint At(int* offset, nint p) => offset[p];
    }

    private struct ConsecutiveSteps : IDirectSteps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static nint At(int* offset, nint p) => p;
    }

    /// <summary>What the micro-kernel does with item r's sums: store them, or add them where item r is in <c>valid</c>.</summary>
    private interface IDirectOut { static abstract void Put(float* sums, int r, Vector256<float> low, Vector256<float> high, int valid); }

    private struct StoreSums : IDirectOut
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Put(float* sums, int r, Vector256<float> low, Vector256<float> high, int valid)
        {
            low.Store(sums + r * DirectChannels);
            high.Store(sums + r * DirectChannels + 8);
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
    /// Where P's elements lie in the padded images: offsets[k] = c·Hp·Wp + i·Wp + j for k = (c, i, j),
    /// bases[column] = b·C·Hp·Wp + oh·s·Wp + ow·s for column = (b, oh, ow); each list is followed by
    /// copies of its last entry up to a whole tile, whose extra items are computed and dropped.
    /// </summary>
    private static class DirectTables
    {
        private static readonly TableCache<PatchGeometry, (int[] Offsets, int[] Bases)> Tables = new(Make);

        public static (int[] Offsets, int[] Bases) Of(PatchGeometry g) => Tables.Of(g);

        private static (int[], int[]) Make(PatchGeometry g)
        {
            int hp = g.Height + 2 * g.PaddingH, wp = g.Width + 2 * g.PaddingW;
            var offsets = Tiled(g.Rows, k =>
            {
                int j = k % g.KernelW, i = k / g.KernelW % g.KernelH, ch = k / (g.KernelW * g.KernelH);
                return (ch * hp + i) * wp + j;
            });
            var bases = Tiled(g.Columns, column =>
            {
                int ow = column % g.OutW, oh = column / g.OutW % g.OutH, b = column / (g.OutW * g.OutH);
                return (b * g.Channels * hp + oh * g.Stride) * wp + ow * g.Stride;
            });
            return (offsets, bases);
        }

        private static int[] Tiled(int count, Func<int, int> entry)
        {
            var list = new int[(count + DirectItems - 1) / DirectItems * DirectItems];
            for (int i = 0; i < list.Length; i++) list[i] = entry(Math.Min(i, count - 1));
            return list;
        }
    }
}
