using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;
using static GanFromScratch.Tests.KernelData;

namespace GanFromScratch.Tests;

/// <summary>im2col and col2im against the definition written as loops, and as each other's adjoint (KernelAgreement compares the backends).</summary>
public class PatchKernelTests
{
    private static readonly Backend Cpu = CpuBackend.Instance;

    /// <summary>
    /// batch, channels, height, width, kernel h, kernel w, stride, padding of rows, of columns: odd
    /// sizes, gaps (stride &gt; kernel), windows off every edge, and 1-D convolutions (height 1,
    /// padded along the width only).
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> Geometries => new()
    {
        { 2, 3, 7, 6, 3, 2, 2, 1, 1 },
        { 1, 2, 5, 5, 3, 3, 1, 0, 0 },
        { 2, 1, 9, 9, 5, 5, 2, 2, 2 },
        { 1, 2, 7, 8, 2, 1, 3, 1, 1 },
        { 3, 2, 4, 4, 4, 4, 1, 3, 3 },
        { 2, 3, 1, 9, 1, 5, 1, 0, 2 },
        { 1, 2, 1, 6, 1, 1, 1, 0, 0 },
        { 2, 2, 5, 4, 3, 1, 1, 1, 0 },
    };

    private static PatchGeometry Geometry(int b, int c, int h, int w, int kh, int kw, int s, int ph, int pw) => new(b, c, h, w, kh, kw, s, ph, pw);

    /// <summary>The definition: row (c, i, j), column (b, oh, ow) holds x[b, c, oh·s − ph + i, ow·s − pw + j] or 0.</summary>
    private static float[] Im2ColByDefinition(float[] x, PatchGeometry g)
    {
        var cols = new float[g.Rows * g.Columns];
        for (int c = 0; c < g.Channels; c++)
        for (int i = 0; i < g.KernelH; i++)
        for (int j = 0; j < g.KernelW; j++)
        for (int b = 0; b < g.Batch; b++)
        for (int oh = 0; oh < g.OutH; oh++)
        for (int ow = 0; ow < g.OutW; ow++)
        {
            int ih = oh * g.Stride - g.PaddingH + i, iw = ow * g.Stride - g.PaddingW + j;
            int row = (c * g.KernelH + i) * g.KernelW + j, column = (b * g.OutH + oh) * g.OutW + ow;
            cols[row * g.Columns + column] = ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width
                ? x[((b * g.Channels + c) * g.Height + ih) * g.Width + iw] : 0f;
        }
        return cols;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Im2col_matches_its_definition_and_col2im_is_its_adjoint(int b, int c, int h, int w, int kh, int kw, int s, int ph, int pw)
    {
        var g = Geometry(b, c, h, w, kh, kw, s, ph, pw);
        Assert.Equal((h + 2 * ph - kh) / s + 1, g.OutH);
        Assert.Equal((w + 2 * pw - kw) / s + 1, g.OutW);
        var x = Random(g.ImageSize, 1);
        var cols = Down(Cpu, Run(Cpu, be => be.Im2Col, x, g.Rows * g.Columns, g), g.Rows * g.Columns);
        Assert.Equal(Im2ColByDefinition(x, g), cols);

        // ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ for every x and y: col2im is the transpose of im2col.
        var y = Random(g.Rows * g.Columns, 2);
        var back = Down(Cpu, Run(Cpu, be => be.Col2Im, y, g.ImageSize, g), g.ImageSize);
        double left = 0, right = 0;
        for (int k = 0; k < cols.Length; k++) left += (double)cols[k] * y[k];
        for (int k = 0; k < x.Length; k++) right += (double)x[k] * back[k];
        Assert.Equal(left, right, 4);
    }

    [Fact]
    public void A_kernel_larger_than_the_padded_image_is_refused_with_the_sizes()
    {
        var e = Assert.Throws<ArgumentException>(() => new PatchGeometry(1, 1, 3, 3, 5, 5, 1, 0));
        Assert.Contains("5×5", e.Message);
        Assert.Contains("3×3", e.Message);
    }

    /// <summary>
    /// Products with the patch matrix that the CPU reads from the images instead of writing it out,
    /// equal to im2col then the GEMM to the last bit, on 1 and 2 threads: a convolution W·P(x) with
    /// its bias and activation and a weight gradient ∂y·P(x)ᵀ (α = 1, β = 0: computed directly from
    /// the padded images where the reduction has at least 64 steps and the result 16 columns, else
    /// through panels packed from the images; a weight gradient of few rows, such as the first
    /// layer's 25, splits its channel panels among the threads), and both with α and β (always
    /// packed). Geometries: gan_mnist.py's
    /// three critic convolutions (small batches), rows and columns that are not multiples of any
    /// tile, a 1-D convolution, padding wider than the kernel's reach, rows of 8, 16 and 9 pixels
    /// (padded in whole vectors, the last overlapping; 9 with 9 zeros each side), a product too
    /// large to pack whole on 2 threads, whose columns of C the threads split, and (the last) 7 images
    /// of 16 channels: the direct path's tiles by rectangle, six images or channels at a time, with
    /// a group of one image and one of four channels left over.
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> PatchProducts => new()
    {
        // m, then batch, channels, height, width, kernel h, kernel w, stride, padding of rows, of columns
        { 64, 2, 1, 28, 28, 5, 5, 2, 2, 2 },
        { 128, 3, 64, 14, 14, 5, 5, 2, 2, 2 },
        { 256, 2, 128, 7, 7, 5, 5, 2, 2, 2 },
        { 13, 3, 3, 9, 7, 3, 3, 1, 1, 1 },
        { 21, 3, 8, 9, 7, 3, 3, 1, 1, 1 },
        { 7, 5, 2, 11, 10, 3, 2, 2, 1, 0 },
        { 9, 4, 6, 1, 32, 1, 5, 1, 0, 2 },
        { 6, 2, 5, 4, 4, 4, 4, 1, 3, 3 },
        { 16, 2, 3, 8, 8, 5, 5, 1, 2, 2 },
        { 16, 1, 3, 6, 16, 5, 5, 2, 2, 2 },
        { 16, 2, 4, 8, 9, 5, 5, 1, 10, 9 },
        { 8, 60, 64, 14, 14, 5, 5, 2, 2, 2 },
        { 24, 7, 16, 9, 9, 5, 5, 2, 2, 2 },
    };

    /// <summary>The direct convolution's panel widths here: 16 channels (8-lane kernel), and 32 where AVX-512 is.</summary>
    private static readonly int[] DirectWidths = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? [16, 32] : [16];

    /// <summary>
    /// <paramref name="body"/>(threads, width) on 1 and 2 threads and with every panel width of the
    /// direct kernels, the defaults put back after each.
    /// </summary>
    private static void OnEveryPath(Action<int, int> body)
    {
        foreach (int threads in new[] { 1, 2 })
            foreach (int width in DirectWidths)
            {
                CpuParallel.Threads = threads;
                CpuGemm.ConvolutionChannels = width;
                try { body(threads, width); }
                finally
                {
                    CpuParallel.Threads = Environment.ProcessorCount;
                    CpuGemm.ConvolutionChannels = DirectWidths[^1];
                }
            }
    }

    [Theory]
    [MemberData(nameof(PatchProducts))]
    public void Patch_products_read_from_the_images_equal_im2col_then_gemm_to_the_bit(int m, int b, int c, int h, int w, int kh, int kw, int s, int ph, int pw)
    {
        var g = Geometry(b, c, h, w, kh, kw, s, ph, pw);
        Assert.True(CpuGemm.PacksPatches(m, Math.Min(g.Rows, g.Columns), Math.Min(g.Rows, g.Columns)), "a packed product: the implicit path");
        using var images = Up(Cpu, Random(g.ImageSize, 1));
        using var patches = Cpu.Allocate(g.Rows * g.Columns);
        Cpu.Im2Col(images, patches, g);
        using var bias = Up(Cpu, Random(m, 5));
        var products = new (string Name, bool Transposed, float Alpha, float Beta, GemmEpilogue Epilogue)[]
        {
            ("W·P + bias, LeakyReLU", false, 1f, 0f, new GemmEpilogue(bias, GemmBias.PerRow, GemmActivation.LeakyRelu, 0.2f)),
            ("0.5·W·P − 2·C", false, 0.5f, -2f, default),
            ("A·Pᵀ", true, 1f, 0f, default),
            ("0.5·A·Pᵀ − 2·C", true, 0.5f, -2f, default),
        };
        foreach (var product in products)
            OnEveryPath((threads, width) =>
            {
                int n = product.Transposed ? g.Rows : g.Columns, k = product.Transposed ? g.Columns : g.Rows;
                using var a = Up(Cpu, Random(m * k, 2));
                var c0 = Random(m * n, 3);
                using var implicitC = Up(Cpu, c0);
                Cpu.PatchGemm(product.Transposed, m, product.Alpha, a, 0, k, images, g, product.Beta, implicitC, 0, n, product.Epilogue);
                using var explicitC = Up(Cpu, c0);
                Cpu.Gemm(false, product.Transposed, m, n, k, product.Alpha, a, 0, k, 0, patches, 0, g.Columns, 0, product.Beta, explicitC, 0, n, 0, 1,
                    product.Epilogue);
                var expected = Down(Cpu, explicitC, m * n);
                var actual = Down(Cpu, implicitC, m * n);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(expected[i].Equals(actual[i]),
                        $"{product.Name} on {threads} thread(s), panels of {width}: C[{i}] = {actual[i]}, with im2col {expected[i]}");
            });
    }

    /// <summary>
    /// A convolution written straight into images [B, m, OH, OW] (the direct path's own layout on
    /// the CPU) equals the product [m, B·OH·OW] permuted, to the last bit — with the bias and
    /// LeakyReLU epilogue, on 1 and 2 threads, in panels of 16 and 32 channels.
    /// </summary>
    [Theory]
    [MemberData(nameof(PatchProducts))]
    public void A_convolution_into_images_is_its_product_permuted(int m, int b, int c, int h, int w, int kh, int kw, int s, int ph, int pw)
    {
        var g = Geometry(b, c, h, w, kh, kw, s, ph, pw);
        int positions = g.OutH * g.OutW;
        using var images = Up(Cpu, Random(g.ImageSize, 1));
        using var weights = Up(Cpu, Random(m * g.Rows, 2));
        using var bias = Up(Cpu, Random(m, 5));
        var epilogue = new GemmEpilogue(bias, GemmBias.PerRow, GemmActivation.LeakyRelu, 0.2f);
        using var product = Cpu.Allocate(m * g.Columns);
        Cpu.PatchGemm(false, m, 1f, weights, 0, g.Rows, images, g, 0f, product, 0, g.Columns, epilogue);
        var matrix = Down(Cpu, product, m * g.Columns);
        OnEveryPath((threads, width) =>
        {
            using var y = Up(Cpu, Enumerable.Repeat(float.NaN, m * g.Columns).ToArray());
            Cpu.PatchGemmImages(m, weights, g.Rows, images, g, y, epilogue);
            var actual = Down(Cpu, y, m * g.Columns);
            for (int i = 0; i < actual.Length; i++)
            {
                int q = i % positions, o = i / positions % m, image = i / (positions * m);
                float expected = matrix[o * g.Columns + image * positions + q];
                Assert.True(expected.Equals(actual[i]), $"{threads} thread(s), panels of {width}: y[{image}, {o}, {q}] = {actual[i]}, the product {expected}");
            }
        });
    }

    /// <summary>
    /// col2im(Wᵀ·U) summed pixel by pixel (where P has at least 64 rows and columns) or through the
    /// product equals the product then col2im to the last bit, on 1 and 2 threads: the geometries
    /// above, and more with P large enough for the direct path — stride 1, stride 3, channels that
    /// fill one panel and a part of another, m = 300, whose dots take two slabs, and 2×2 windows at
    /// stride 3, which leave pixels no window reaches (0).
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> IntoImages
    {
        get
        {
            var data = new TheoryData<int, int, int, int, int, int, int, int, int, int>();
            foreach (var row in PatchProducts) data.Add((int)row[0], (int)row[1], (int)row[2], (int)row[3], (int)row[4], (int)row[5], (int)row[6], (int)row[7], (int)row[8], (int)row[9]);
            data.Add(13, 3, 8, 9, 7, 3, 3, 1, 1, 1);
            data.Add(9, 5, 8, 11, 10, 3, 3, 3, 1, 1);
            data.Add(11, 2, 20, 7, 7, 5, 5, 2, 2, 2);
            data.Add(300, 4, 4, 8, 8, 5, 5, 2, 2, 2);
            data.Add(8, 8, 16, 10, 10, 2, 2, 3, 0, 0);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(IntoImages))]
    public void Col2im_of_a_product_summed_pixel_by_pixel_equals_the_product_then_col2im_to_the_bit(int m, int b, int c, int h, int w, int kh, int kw, int s,
        int ph, int pw)
    {
        var g = Geometry(b, c, h, w, kh, kw, s, ph, pw);
        using var weights = Up(Cpu, Random(m * g.Rows, 1));
        using var u = Up(Cpu, Random(m * g.Columns, 2));
        using var patches = Cpu.Allocate(g.Rows * g.Columns);
        Cpu.Gemm(true, false, g.Rows, g.Columns, m, 1f, weights, 0, g.Rows, 0, u, 0, g.Columns, 0, 0f, patches, 0, g.Columns, 0);
        using var expectedImages = Cpu.Allocate(g.ImageSize);
        Cpu.Col2Im(patches, expectedImages, g);
        var expected = Down(Cpu, expectedImages, g.ImageSize);
        OnEveryPath((threads, width) =>
        {
            using var images = Up(Cpu, Enumerable.Repeat(float.NaN, g.ImageSize).ToArray());
            Cpu.Col2ImGemm(m, weights, u, images, g);
            var actual = Down(Cpu, images, g.ImageSize);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(expected[i].Equals(actual[i]),
                    $"{threads} thread(s), panels of {width}, direct: {CpuGemm.SumsIntoImagesDirectly(m, g)}: pixel {i} = {actual[i]}, through the product {expected[i]}");
        });
    }

    /// <summary>
    /// The direct convolution takes no part of the padding, as PyTorch's CPU convolutions: an infinite
    /// weight at window tap (c, i, j) makes ∞ exactly the outputs whose window holds a pixel of the
    /// image at that tap, and the others stay finite (multiplying the padding would make them
    /// 0·∞ = NaN). So for the weight gradient: an infinite output gradient at one position makes ∞
    /// exactly the taps whose pixel lies in the image there. Twelve images of eight channels, 5×5 windows
    /// at stride 2 padded by 2: the critic's convolutions in small.
    /// </summary>
    [Fact]
    public void The_direct_convolution_leaves_the_padding_out_as_pytorch_does()
    {
        var g = Geometry(12, 8, 6, 6, 5, 5, 2, 2, 2);
        const int m = 16, channel = 1, tap = 2 * 25 + 0 * 5 + 4;   // weight [1, c = 2, i = 0, j = 4]
        Assert.True(CpuGemm.ConvolvesDirectly(g) && CpuGemm.ConvolvesDirectly(g, transposed: true), "the direct path");
        bool Inside(int i, int j, int oh, int ow) =>
            oh * g.Stride - g.PaddingH + i is var ih && ih >= 0 && ih < g.Height && ow * g.Stride - g.PaddingW + j is var iw && iw >= 0 && iw < g.Width;
        using var images = Up(Cpu, Enumerable.Range(0, g.ImageSize).Select(i => 0.5f + i % 7 * 0.1f).ToArray());

        // A with +∞ at [channel, at], then C = A·P (or A·Pᵀ), C [m, n].
        float[] Product(bool transposed, int at)
        {
            int k = transposed ? g.Columns : g.Rows, n = transposed ? g.Rows : g.Columns;
            var a = Random(m * k, 2);
            a[channel * k + at] = float.PositiveInfinity;
            using var operand = Up(Cpu, a);
            using var c = Cpu.Allocate(m * n);
            Cpu.PatchGemm(transposed, m, 1f, operand, 0, k, images, g, 0f, c, 0, n);
            return Down(Cpu, c, m * n);
        }
        const int position = 0 * 9 + 0 * 3 + 2;   // image 0, (oh, ow) = (0, 2): its window hangs over the top and right
        OnEveryPath((threads, width) =>
        {
            InfiniteExactly($"output ({threads} thread(s), panels of {width})", Product(false, tap), g.Columns,
                (o, column) => o == channel && Inside(0, 4, column / g.OutW % g.OutH, column % g.OutW));
            InfiniteExactly($"weight gradient ({threads} thread(s), panels of {width})", Product(true, position), g.Rows,
                (o, k) => o == channel && Inside(k / g.KernelW % g.KernelH, k % g.KernelW, 0, 2));
        });
    }

    /// <summary>Each element of <paramref name="values"/> [rows, columns] is +∞ where <paramref name="infinite"/> says so, and finite elsewhere.</summary>
    private static void InfiniteExactly(string what, float[] values, int columns, Func<int, int, bool> infinite)
    {
        for (int i = 0; i < values.Length; i++)
        {
            int row = i / columns, column = i % columns;
            Assert.True(infinite(row, column) ? float.IsPositiveInfinity(values[i]) : float.IsFinite(values[i]), $"{what} [{row}, {column}]: {values[i]}");
        }
    }

    /// <summary>A thin product (here 3 output channels) multiplies the patch matrix written out: the same numbers.</summary>
    [Fact]
    public void A_thin_patch_product_gives_the_product_with_the_written_out_patches()
    {
        var g = Geometry(2, 2, 6, 6, 3, 3, 1, 1, 1);
        using var images = Up(Cpu, Random(g.ImageSize, 1));
        using var patches = Cpu.Allocate(g.Rows * g.Columns);
        Cpu.Im2Col(images, patches, g);
        using var w = Up(Cpu, Random(3 * g.Rows, 2));
        using var implicitC = Cpu.Allocate(3 * g.Columns);
        Cpu.PatchGemm(false, 3, 1f, w, 0, g.Rows, images, g, 0f, implicitC, 0, g.Columns);
        using var explicitC = Cpu.Allocate(3 * g.Columns);
        Cpu.Gemm(false, false, 3, g.Columns, g.Rows, 1f, w, 0, g.Rows, 0, patches, 0, g.Columns, 0, 0f, explicitC, 0, g.Columns, 0);
        Assert.Equal(Down(Cpu, explicitC, 3 * g.Columns), Down(Cpu, implicitC, 3 * g.Columns));
    }

    private static DeviceBuffer Run(Backend backend, Func<Backend, Action<DeviceBuffer, DeviceBuffer, PatchGeometry>> kernel,
        float[] input, int outLength, PatchGeometry g)
    {
        var output = Up(backend, Enumerable.Repeat(float.NaN, outLength).ToArray());
        kernel(backend)(Up(backend, input), output, g);
        return output;
    }
}
