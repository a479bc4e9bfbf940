namespace GanFromScratch.Kernels.Cpu;

/// <summary>im2col and col2im on the CPU (see <see cref="PatchGeometry"/>).</summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>One thread per block of patch-matrix rows; along a row, the window's valid span is a plain (strided) copy.</summary>
    public override void Im2Col(DeviceBuffer image, DeviceBuffer cols, PatchGeometry g)
    {
        nint px = (nint)Ptr(image), pc = (nint)Ptr(cols);
        int columns = g.Columns;
        CpuParallel.For(g.Rows, Math.Max(1, (1 << 14) / Math.Max(1, columns)), (start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                int j = row % g.KernelW, i = row / g.KernelW % g.KernelH, c = row / (g.KernelW * g.KernelH);
                // Output columns ow whose input column iw = ow·s − p + j lies inside the image.
                int owLo = Math.Max(0, CeilDiv(g.Padding - j, g.Stride));
                int owHi = Math.Min(g.OutW, CeilDiv(g.Width + g.Padding - j, g.Stride));
                float* dst = (float*)pc + (long)row * columns;
                for (int b = 0; b < g.Batch; b++)
                {
                    float* plane = (float*)px + ((long)b * g.Channels + c) * g.Height * g.Width;
                    for (int oh = 0; oh < g.OutH; oh++, dst += g.OutW)
                    {
                        int ih = oh * g.Stride - g.Padding + i;
                        if (ih < 0 || ih >= g.Height || owLo >= owHi)
                        {
                            new Span<float>(dst, g.OutW).Clear();
                            continue;
                        }
                        for (int ow = 0; ow < owLo; ow++) dst[ow] = 0f;
                        float* src = plane + ih * g.Width - g.Padding + j;
                        if (g.Stride == 1)
                            new ReadOnlySpan<float>(src + owLo, owHi - owLo).CopyTo(new Span<float>(dst + owLo, owHi - owLo));
                        else
                            for (int ow = owLo; ow < owHi; ow++) dst[ow] = src[ow * g.Stride];
                        for (int ow = owHi; ow < g.OutW; ow++) dst[ow] = 0f;
                    }
                }
            }
        });
    }

    /// <summary>
    /// One thread per block of image planes (b, c): each plane is cleared, then the patch entries
    /// that came from it are added back, window offset (i, j) by offset — the same order as the
    /// GPU kernel's gather, so both give the same sums.
    /// </summary>
    public override void Col2Im(DeviceBuffer cols, DeviceBuffer image, PatchGeometry g)
    {
        nint px = (nint)Ptr(image), pc = (nint)Ptr(cols);
        int columns = g.Columns, planeSize = g.Height * g.Width;
        CpuParallel.For(g.Batch * g.Channels, Math.Max(1, (1 << 13) / Math.Max(1, planeSize * g.KernelH * g.KernelW)), (start, end) =>
        {
            for (int bc = start; bc < end; bc++)
            {
                int b = bc / g.Channels, c = bc % g.Channels;
                float* plane = (float*)px + (long)bc * planeSize;
                new Span<float>(plane, planeSize).Clear();
                for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++)
                {
                    int row = (c * g.KernelH + i) * g.KernelW + j;
                    int owLo = Math.Max(0, CeilDiv(g.Padding - j, g.Stride));
                    int owHi = Math.Min(g.OutW, CeilDiv(g.Width + g.Padding - j, g.Stride));
                    float* src = (float*)pc + (long)row * columns + (long)b * g.OutH * g.OutW;
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        int ih = oh * g.Stride - g.Padding + i;
                        if (ih < 0 || ih >= g.Height) continue;
                        float* dst = plane + ih * g.Width - g.Padding + j;
                        float* s = src + oh * g.OutW;
                        for (int ow = owLo; ow < owHi; ow++) dst[ow * g.Stride] += s[ow];
                    }
                }
            }
        });
    }

    /// <summary>⌈a / b⌉ for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
