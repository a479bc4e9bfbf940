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

    private static DeviceBuffer Run(Backend backend, Func<Backend, Action<DeviceBuffer, DeviceBuffer, PatchGeometry>> kernel,
        float[] input, int outLength, PatchGeometry g)
    {
        var output = Up(backend, Enumerable.Repeat(float.NaN, outLength).ToArray());
        kernel(backend)(Up(backend, input), output, g);
        return output;
    }
}
