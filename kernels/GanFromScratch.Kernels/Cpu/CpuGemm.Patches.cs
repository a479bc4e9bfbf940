using System.Runtime.CompilerServices;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// Convolution as an implicit GEMM: the product with the patch matrix P of some images (the matrix
/// im2col writes, <see cref="PatchGeometry"/>) without writing P out. The GEMM packs its B operand
/// panel by panel anyway (<see cref="PackB"/>); for a patch operand the packing reads each element
/// straight from the images. The panels hold exactly the values im2col would have written, so the
/// micro-kernels do the same multiply-adds in the same order, and the result equals im2col + GEMM
/// to the last bit — without the patch matrix's memory (16 MB for gan_mnist.py's second critic
/// convolution at batch 50) being written once and read back.
/// </summary>
public static unsafe partial class CpuGemm
{
    /// <summary>
    /// Whether <see cref="MultiplyPatches"/> takes an m×n×k product: the packed path. Thin products
    /// (a side of at most <see cref="Thin"/>) do not pack their operands; give them the patch
    /// matrix written out.
    /// </summary>
    public static bool PacksPatches(int m, int n, int k) => Math.Min(m, Math.Min(n, k)) > Thin;

    /// <summary>
    /// C = α·A·P + β·C (A m×Rows, C m×Columns: a convolution W·P(x)), or with
    /// <paramref name="transposed"/> C = α·A·Pᵀ + β·C (A m×Columns, C m×Rows: a weight gradient
    /// ∂y·P(x)ᵀ), P being the patch matrix of the images at <paramref name="images"/>; then the epilogue.
    /// Row-major with leading dimensions. Only for products <see cref="PacksPatches"/> takes.
    /// </summary>
    public static void MultiplyPatches(bool transposed, int m, float alpha, float* a, int lda, float* images, PatchGeometry g,
        float beta, float* c, int ldc, Epilogue epilogue = default)
    {
        int n = transposed ? g.Rows : g.Columns, k = transposed ? g.Columns : g.Rows;
        if (!PacksPatches(m, n, k))
            throw new ArgumentException($"A {m}×{n}×{k} product is thin: it multiplies the patch matrix written out, not read from the images.");
        if (alpha == 1f && beta == 0f && ConvolvesDirectly(g, transposed))
        {
            ConvolveDirect(transposed, m, a, lda, images, g, c, ldc, epilogue);
            return;
        }
        var patches = ImagePatches.Of(images, g, transposed, NR);
        Multiply(new Operand((nint)a, lda, 1), new Operand(patches, 0, 0), new Operand((nint)c, ldc, 1), m, n, k, alpha, beta, epilogue);
    }

    /// <summary>
    /// op(P) of images [B, C, H, W] as a GEMM's B operand, packed into panels of
    /// <see cref="Width"/> columns (panel[p·Width + r], p along k) straight from the images, through
    /// a table of positions worked out once per geometry:
    /// <list type="bullet">
    /// <item>P (a convolution, k = Rows (c, i, j), n = Columns (b, oh, ow)): for each window
    /// offset ij and column, the element's position in the images less channel c's plane offset
    /// (c·H·W), or −1 where the window lies on the padding. Packing row p = (c, ij) reads the
    /// table's row ij, each panel one or more masked SIMD gathers from channel c's planes.</item>
    /// <item>Pᵀ (a weight gradient, k = Columns (b, q), n = Rows (c, ij)): for each panel of Width
    /// rows and each output position q, the Width elements' positions within image b (or −1, also
    /// past the last row), contiguous — so packing row p = (b, q) is one gather per 8 lanes
    /// from image b.</item>
    /// </list>
    /// </summary>
    internal sealed class ImagePatches
    {
        private readonly float* _images;
        private readonly PatchGeometry _g;
        private readonly bool _transposed;
        private readonly int[] _at;

        /// <summary>Floats in panel row (the micro-kernel's NR).</summary>
        public int Width { get; }

        private ImagePatches(float* images, PatchGeometry g, bool transposed, int width, int[] at)
        {
            _images = images;
            (_g, _transposed, Width, _at) = (g, transposed, width, at);
        }

        private static readonly TableCache<(PatchGeometry G, bool Transposed, int Width), int[]> Tables =
            new(key => key.Transposed ? ByPanels(key.G, key.Width) : ByOffsets(key.G));

        public static ImagePatches Of(float* images, PatchGeometry g, bool transposed, int width) =>
            new(images, g, transposed, width, Tables.Of((g, transposed, width)));

        /// <summary>For P: at[ij·Columns + (b, q)] = b·C·H·W + (input position of offset ij at output position q), or −1.</summary>
        private static int[] ByOffsets(PatchGeometry g)
        {
            int window = g.KernelH * g.KernelW, outputs = g.OutH * g.OutW, imageSize = g.Channels * g.Height * g.Width;
            var inPlane = g.InputMap();
            var at = new int[window * g.Columns];
            for (int ij = 0; ij < window; ij++)
                for (int b = 0; b < g.Batch; b++)
                    for (int q = 0; q < outputs; q++)
                    {
                        int position = inPlane[ij * outputs + q];
                        at[ij * g.Columns + b * outputs + q] = position < 0 ? -1 : b * imageSize + position;
                    }
            return at;
        }

        /// <summary>For Pᵀ: at[(panel·OH·OW + q)·width + r] = c·H·W + (input position of row panel·width + r = (c, ij) at q), or −1.</summary>
        private static int[] ByPanels(PatchGeometry g, int width)
        {
            int window = g.KernelH * g.KernelW, outputs = g.OutH * g.OutW, plane = g.Height * g.Width;
            int panels = (g.Rows + width - 1) / width;
            var inPlane = g.InputMap();
            var at = new int[panels * outputs * width];
            for (int panel = 0; panel < panels; panel++)
                for (int q = 0; q < outputs; q++)
                    for (int r = 0; r < width; r++)
                    {
                        int row = panel * width + r;
                        int position = row < g.Rows ? inPlane[row % window * outputs + q] : -1;
                        at[(panel * outputs + q) * width + r] = position < 0 ? -1 : row / window * plane + position;
                    }
            return at;
        }

        /// <summary>
        /// Packs op(P)[p0.., j0..] (kc×nc) as panels of <paramref name="width"/> columns, each
        /// stored p-major and the last zero-padded: what <see cref="PackPanels"/> makes of the
        /// patch matrix written out.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Pack(int p0, int j0, int kc, int nc, int width, float* dst)
        {
            if (width != Width) throw new ArgumentException($"The patch table was made for panels of {Width}, not {width}.");
            if (_transposed) PackTransposed(p0, j0, kc, nc, dst);
            else PackRows(p0, j0, kc, nc, dst);
        }

        /// <summary>P's rows p = (c, ij): each row read once, its pieces dealt out to the panels.</summary>
        private void PackRows(int p0, int j0, int kc, int nc, float* dst)
        {
            int window = _g.KernelH * _g.KernelW, plane = _g.Height * _g.Width, columns = _g.Columns, width = Width;
            fixed (int* table = _at)
            {
                for (int p = 0; p < kc; p++)
                {
                    int row = p0 + p;
                    float* channel = _images + (long)(row / window) * plane;
                    int* at = table + (long)(row % window) * columns + j0;
                    for (int ir = 0; ir < nc; ir += width)
                        Gather(channel, at + ir, dst + (long)ir * kc + (long)p * width, Math.Min(width, nc - ir), width);
                }
            }
        }

        /// <summary>Pᵀ's rows p = (b, q): for each panel of rows of P, one gather of its positions at q from image b.</summary>
        private void PackTransposed(int p0, int j0, int kc, int nc, float* dst)
        {
            int outputs = _g.OutH * _g.OutW, imageSize = _g.Channels * _g.Height * _g.Width, width = Width;
            if (j0 % width != 0) throw new ArgumentException($"Panels of Pᵀ start at multiples of {width} rows of P, not at {j0}.");
            fixed (int* table = _at)
            {
                for (int ir = 0; ir < nc; ir += width)
                {
                    int panel = (j0 + ir) / width, rows = Math.Min(width, nc - ir);
                    float* d = dst + (long)ir * kc;
                    for (int p = 0; p < kc; p++)
                    {
                        int column = p0 + p, b = column / outputs, q = column % outputs;
                        Gather(_images + (long)b * imageSize, table + ((long)panel * outputs + q) * width, d + (long)p * width, rows, width);
                    }
                }
            }
        }

        /// <summary>dst[r] = source[at[r]] (0 where at[r] is −1) for r &lt; count, and 0 up to width.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Gather(float* source, int* at, float* dst, int count, int width)
        {
            CpuBackend.Gather(source, at, dst, count);
            for (int r = count; r < width; r++) dst[r] = 0f;
        }
    }
}
