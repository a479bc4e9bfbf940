using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// A transposed convolution (and a convolution's input gradient), images = col2im(Wᵀ·U), computed
/// pixel by pixel without the [Rows, Columns] product in between. Pixel (b, c, ih, iw) receives,
/// for each window offset ij = (i, j) in order, the dot product over m of column (c, ij) of W with
/// column (b, oh, ow) of U, where (oh·s − ph + i, ow·s − pw + j) = (ih, iw). At stride s the pixels
/// fall into s² classes by (ih mod s, iw mod s), split further by the offsets that reach them from
/// inside the output (<see cref="PixelClasses"/>): all pixels of a class take the same offsets.
/// The kernel goes class by class, six pixels of a class at a time by a panel of channels (as
/// <see cref="ConvolutionChannels"/>: 32, or 16), with the micro-kernels of
/// <see cref="ConvolveDirect"/>: U's six columns (Uᵀ's rows) broadcast, W packed by offset into
/// panels of channels.
/// <para>
/// The sums are im2col's and the packed GEMM's to the last bit: each dot over m in slabs of
/// <see cref="KC"/> from 0 as the GEMM sums it, and each pixel from +0, adding the offsets' dots in
/// increasing ij as col2im does.
/// </para>
/// </summary>
public static unsafe partial class CpuGemm
{
    /// <summary>Whether <see cref="ProductIntoImages"/> takes col2im(Wᵀ·U) for m rows of W and U: where the product would take the packed path and P has at least <see cref="DirectMinimum"/> rows and columns (AVX2 and FMA needed).</summary>
    public static bool SumsIntoImagesDirectly(int m, PatchGeometry g) =>
        Avx2.IsSupported && Fma.IsSupported && g.Rows >= DirectMinimum && g.Columns >= DirectMinimum && PacksPatches(g.Rows, g.Columns, m);

    [ThreadStatic] private static float[]? _uTransposed, _packOffsets, _pixelSums, _offsetSums;

    /// <summary>images = col2im(Wᵀ·U): W [m, Rows] and U [m, Columns] row-major, images [B, C, H, W] overwritten.</summary>
    public static void ProductIntoImages(int m, float* w, float* u, float* images, PatchGeometry g)
    {
        if (!SumsIntoImagesDirectly(m, g)) throw new ArgumentException($"col2im(Wᵀ·U) over {m} rows of a {g.Rows}×{g.Columns} patch matrix is computed through the product.");
        int window = g.KernelH * g.KernelW, columns = g.Columns;
        // Uᵀ [Columns, m]: a column's m values contiguous, what the micro-kernel steps through.
        float* ut = Pinned(ref _uTransposed, (long)columns * m);
        Transpose(u, m, columns, ut);
        // W by offset: panel (ij, channel panel) holds W[k, (c, ij)] at [k·width + q] for c = panel·width + q;
        // W read row by row, each panel row written whole.
        int width = _convChannels, panels = (g.Channels + width - 1) / width, rows = g.Rows, channelCount = g.Channels;
        float* packed = Pinned(ref _packOffsets, (long)window * panels * width * m);
        nint pw = (nint)w, pk = (nint)packed;
        CpuParallel.For(m, 16, (start, end) =>
        {
            for (int k = start; k < end; k++)
            {
                float* row = (float*)pw + (long)k * rows;
                for (int ij = 0; ij < window; ij++)
                    for (int panel = 0; panel < panels; panel++)
                    {
                        float* dst = (float*)pk + (((long)ij * panels + panel) * m + k) * width;
                        for (int q = 0, ch = panel * width; q < width; q++, ch++)
                            dst[q] = ch < channelCount ? row[ch * window + ij] : 0f;
                    }
            }
        });
        var classes = PixelClasses.Of(g);
        int tiles = classes.Sum(k => k.Tiles);
        int threads = (int)Math.Min(Math.Min(CpuParallel.Threads, Environment.ProcessorCount), Math.Max(1, Math.Min(tiles, 2L * m * g.Rows * columns / (1 << 20))));
        nint pu = (nint)ut, pp = (nint)packed, pi = (nint)images;
        // Many classes (a batch of many groups of images): each thread takes a run of whole classes of
        // about equal cost, so that the threads write different images; few: each class is split.
        bool whole = classes.Length >= 4 * threads;
        long[] cost = new long[classes.Length + 1];
        for (int k = 0; k < classes.Length; k++) cost[k + 1] = cost[k] + (long)classes[k].Tiles * Math.Max(1, classes[k].Offsets.Length);
        CpuParallel.Run(threads, t =>
        {
            int first = whole ? ShareStart(cost, t, threads) : 0, last = whole ? ShareStart(cost, t + 1, threads) : classes.Length;
            for (int k = first; k < last; k++)
            {
                var pixels = classes[k];
                int t0 = whole ? 0 : (int)((long)pixels.Tiles * t / threads), t1 = whole ? pixels.Tiles : (int)((long)pixels.Tiles * (t + 1) / threads);
                for (int block = t0; block < t1; block += DirectBlock)
                    SumClass(pixels, block, Math.Min(t1, block + DirectBlock), m, width, panels, g, (float*)pu, (float*)pp, (float*)pi);
            }
        });
    }

    /// <summary>dst [cols, rows] = srcᵀ for src [rows, cols] row-major: 8×8 blocks through registers, the edges one by one.</summary>
    private static void Transpose(float* src, int rows, int cols, float* dst)
    {
        nint ps = (nint)src, pd = (nint)dst;
        CpuParallel.For((cols + 7) / 8, 16, (start, end) =>
        {
            float* s = (float*)ps, d = (float*)pd;
            for (int j = start * 8; j < Math.Min(cols, end * 8); j += 8)
            {
                int i = 0;
                if (j + 8 <= cols && System.Runtime.Intrinsics.X86.Avx.IsSupported)
                    for (; i + 8 <= rows; i += 8) Transpose8x8(s + (long)i * cols + j, cols, d + (long)j * rows + i, rows);
                for (; i < rows; i++)
                    for (int jj = j; jj < Math.Min(cols, j + 8); jj++) d[(long)jj * rows + i] = s[(long)i * cols + jj];
            }
        });
    }

    /// <summary>Tiles t0 … t1 − 1 of one class of pixels, every channel panel: their sums over the class's offsets, written into the images.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumClass(PixelClass pixels, int t0, int t1, int m, int width, int panels, PatchGeometry g, float* ut, float* packed, float* images)
    {
        int size = DirectItems * width;
        int tiles = t1 - t0, offsets = pixels.Offsets.Length;
        float* totals = Pinned(ref _pixelSums, (long)tiles * size);
        float* dots = Pinned(ref _offsetSums, (long)tiles * size);
        fixed (int* column = pixels.Columns, pixel = pixels.Pixels)
            for (int panel = 0; panel < panels; panel++)
            {
                new Span<float>(totals, tiles * size).Clear();
                for (int o = 0; o < offsets; o++)
                {
                    float* values = packed + ((long)pixels.Offsets[o] * panels + panel) * width * m;
                    for (int tile = t0; tile < t1; tile++)
                    {
                        int* at = column + ((long)o * pixels.Tiles + tile) * DirectItems;
                        int valid = 0;
                        for (int r = 0; r < DirectItems; r++) valid |= (at[r] >= 0 ? 1 : 0) << r;
                        float* u0 = ut + Math.Max(0, at[0]) * (long)m, u1 = ut + Math.Max(0, at[1]) * (long)m, u2 = ut + Math.Max(0, at[2]) * (long)m;
                        float* u3 = ut + Math.Max(0, at[3]) * (long)m, u4 = ut + Math.Max(0, at[4]) * (long)m, u5 = ut + Math.Max(0, at[5]) * (long)m;
                        float* total = totals + (long)(tile - t0) * size;
                        if (m <= KC)
                        {
                            // One slab: this offset's dots go straight onto the pixels it reaches (col2im's order: offsets in increasing ij).
                            if (width == 32) DirectMicroWide<ConsecutiveWideSteps, AddSums>(m, u0, u1, u2, u3, u4, u5, null, values, total, valid);
                            else DirectMicro<ConsecutiveSteps, AddSums>(m, u0, u1, u2, u3, u4, u5, null, values, total, valid);
                            continue;
                        }
                        // The dots over m slab by slab as the GEMM sums them, then onto the pixels.
                        float* dot = dots + (long)(tile - t0) * size;
                        for (int k0 = 0; k0 < m; k0 += KC)
                        {
                            int kc = Math.Min(KC, m - k0);
                            float* from = values + (long)k0 * width;
                            if (width == 32)
                            {
                                if (k0 == 0) DirectMicroWide<ConsecutiveWideSteps, StoreSums>(kc, u0, u1, u2, u3, u4, u5, null, from, dot);
                                else DirectMicroWide<ConsecutiveWideSteps, AddSums>(kc, u0 + k0, u1 + k0, u2 + k0, u3 + k0, u4 + k0, u5 + k0, null, from, dot);
                            }
                            else if (k0 == 0) DirectMicro<ConsecutiveSteps, StoreSums>(kc, u0, u1, u2, u3, u4, u5, null, from, dot);
                            else DirectMicro<ConsecutiveSteps, AddSums>(kc, u0 + k0, u1 + k0, u2 + k0, u3 + k0, u4 + k0, u5 + k0, null, from, dot);
                        }
                        for (int r = 0; r < DirectItems; r++)
                            if ((valid >> r & 1) != 0)
                                for (int e = r * width; e < (r + 1) * width; e += 8)
                                    (Vector256.Load(total + e) + Vector256.Load(dot + e)).Store(total + e);
                    }
                }
                // total[r·width + q] is channel panel·width + q of the tile's pixel r.
                int channels = Math.Min(width, g.Channels - panel * width), plane = g.Height * g.Width;
                for (int tile = t0; tile < t1; tile++)
                {
                    float* total = totals + (long)(tile - t0) * size;
                    for (int r = 0; r < DirectItems; r++)
                    {
                        int at = pixel[tile * DirectItems + r];
                        if (at < 0) continue;
                        int b = at / plane;
                        float* dst = images + ((long)b * g.Channels + panel * width) * plane + at % plane;
                        for (int q = 0; q < channels; q++) dst[(long)q * plane] = total[r * width + q];
                    }
                }
            }
    }

    /// <summary>
    /// Pixels of one class — (ih, iw) with ih ≡ ri and iw ≡ rj (mod stride), reached by the same window
    /// offsets from inside the output — in tiles of six (b, ih, iw) in order: Pixels[item] =
    /// b·H·W + ih·W + iw (−1 past the last); those offsets ij, increasing; and
    /// Columns[(o·Tiles + tile)·6 + r]: the column (b, oh, ow) of U whose patch holds pixel r of the
    /// tile at offset o (−1 past the last pixel).
    /// </summary>
    private sealed record PixelClass(int[] Pixels, int[] Offsets, int[] Columns, int Tiles);

    /// <summary>
    /// The classes of a geometry. A pixel takes the offsets (i, j) ≡ (ih + ph, iw + pw) (mod s) whose
    /// column (oh, ow) = ((ih + ph − i)/s, (iw + pw − j)/s) lies in the output: a rectangle of them, one
    /// rectangle inside the image and narrower ones near its border. Each rectangle is a class of its
    /// own, so no tile sums a dot product that lands outside the output (gan_mnist.py's 5×5 windows
    /// at stride 2 computed 17% (14×14 images) and 21% (7×7) of their dots for nothing otherwise),
    /// and each holds the pixels of six images: the classes of six images come one after another.
    /// </summary>
    private static class PixelClasses
    {
        private static readonly TableCache<PatchGeometry, PixelClass[]> Tables = new(Make);

        public static PixelClass[] Of(PatchGeometry g) => Tables.Of(g);

        private static PixelClass[] Make(PatchGeometry g)
        {
            int s = g.Stride;
            var shapes = new List<(List<int> Offsets, List<(int Ih, int Iw)> Places)>();
            for (int ri = 0; ri < Math.Min(s, g.Height); ri++)
                for (int rj = 0; rj < Math.Min(s, g.Width); rj++)
                {
                    // The offsets ij of this residue whose column lies in the output, for a pixel (ih, iw).
                    List<int> Reaching(int ih, int iw)
                    {
                        var offsets = new List<int>();
                        for (int i = 0; i < g.KernelH; i++)
                            for (int j = 0; j < g.KernelW; j++)
                            {
                                int dh = ih + g.PaddingH - i, dw = iw + g.PaddingW - j;
                                if (dh >= 0 && dw >= 0 && dh % s == 0 && dw % s == 0 && dh / s < g.OutH && dw / s < g.OutW)
                                    offsets.Add(i * g.KernelW + j);
                            }
                        return offsets;
                    }
                    var byOffsets = new Dictionary<string, (List<int> Offsets, List<(int Ih, int Iw)> Pixels)>();
                    for (int ih = ri; ih < g.Height; ih += s)
                        for (int iw = rj; iw < g.Width; iw += s)
                        {
                            var offsets = Reaching(ih, iw);   // none: the pixel is 0, a class of no offsets
                            string key = string.Join(',', offsets);
                            if (!byOffsets.TryGetValue(key, out var group)) byOffsets[key] = group = (offsets, []);
                            group.Pixels.Add((ih, iw));
                        }
                    shapes.AddRange(byOffsets.Values);
                }
            // Six images at a time: a run of classes then finishes the pixels of those images, whose
            // cache lines each class's scattered writes share (over the whole batch, the images' lines
            // went back and forth between L3 and L2 once per class that writes them; in the image
            // iteration col2im(Wᵀ·U) took 448 → 428 ms on one Zen 4 thread, 237 → 220 on two).
            var classes = new List<PixelClass>();
            for (int b0 = 0; b0 < g.Batch; b0 += DirectItems)
                foreach (var (offsets, places) in shapes)
                    classes.Add(Make(g, offsets, places, b0, Math.Min(g.Batch, b0 + DirectItems)));
            return [.. classes];
        }

        private static PixelClass Make(PatchGeometry g, List<int> offsets, List<(int Ih, int Iw)> places, int b0, int b1)
        {
            int s = g.Stride;
            var pixels = new List<int>();
            for (int b = b0; b < b1; b++)
                foreach (var (ih, iw) in places) pixels.Add((b * g.Height + ih) * g.Width + iw);
            int tiles = (pixels.Count + DirectItems - 1) / DirectItems;
            while (pixels.Count < tiles * DirectItems) pixels.Add(-1);
            var columns = new int[offsets.Count * pixels.Count];
            for (int o = 0; o < offsets.Count; o++)
                for (int item = 0; item < pixels.Count; item++)
                {
                    int at = pixels[item], i = offsets[o] / g.KernelW, j = offsets[o] % g.KernelW, column = -1;
                    if (at >= 0)
                    {
                        int iw = at % g.Width, ih = at / g.Width % g.Height, b = at / (g.Width * g.Height);
                        column = (b * g.OutH + (ih + g.PaddingH - i) / s) * g.OutW + (iw + g.PaddingW - j) / s;
                    }
                    columns[o * pixels.Count + item] = column;
                }
            return new PixelClass([.. pixels], [.. offsets], columns, tiles);
        }
    }
}
