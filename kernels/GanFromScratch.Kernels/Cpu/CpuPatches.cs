using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// im2col and col2im on the CPU (see <see cref="PatchGeometry"/>). Which input position a patch
/// entry reads depends only on the window offset (i, j) and the output position (oh, ow), not
/// on the image or channel, so it is worked out once per call (<see cref="PatchGeometry.InputMap"/>,
/// <see cref="PairsByOffset"/>); the kernels then run long loops over these lists instead of
/// short loops over window rows.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>
    /// One thread per block of patch-matrix rows (c, i, j): the row is written in order, image by
    /// image, each entry from its input position in the window-offset's map (−1 outside: 0).
    /// </summary>
    public override void Im2Col(DeviceBuffer image, DeviceBuffer cols, PatchGeometry g)
    {
        nint px = (nint)Ptr(image), pc = (nint)Ptr(cols);
        var inputAt = g.InputMap();
        int columns = g.Columns, planeSize = g.Height * g.Width, outputSize = g.OutH * g.OutW, window = g.KernelH * g.KernelW;
        int batch = g.Batch, channels = g.Channels;
        CpuParallel.For(g.Rows, Math.Max(1, (1 << 14) / Math.Max(1, columns)), (start, end) =>
        {
            fixed (int* map = inputAt)
            {
                for (int row = start; row < end; row++)
                {
                    int c = row / window;
                    int* at = map + row % window * outputSize;
                    float* dst = (float*)pc + (long)row * columns;
                    for (int b = 0; b < batch; b++, dst += outputSize)
                        Gather((float*)px + ((long)b * channels + c) * planeSize, at, dst, outputSize);
                }
            }
        });
    }

    /// <summary>
    /// dst[q] = plane[at[q]], or 0 where at[q] is −1 (padding), for q &lt; n. Eight at a time with
    /// AVX2's masked gather: the padding lanes are masked off (not read) and keep the zero they
    /// start with, so there is no branch per element.
    /// </summary>
    internal static void Gather(float* plane, int* at, float* dst, int n)
    {
        int q = 0;
        if (Avx2.IsSupported)
        {
            var outside = Vector256.Create(-1);
            for (; q <= n - 8; q += 8)
            {
                var index = Avx.LoadVector256(at + q);
                var inside = Avx2.CompareGreaterThan(index, outside).AsSingle();
                Avx.Store(dst + q, Avx2.GatherMaskVector256(Vector256<float>.Zero, plane, index, inside, 4));
            }
        }
        for (; q < n; q++) dst[q] = at[q] >= 0 ? plane[at[q]] : 0f;
    }

    /// <summary>
    /// One thread per block of channels: the channel's planes (every image) are cleared, then for
    /// each window offset (i, j) in order the patch entries that came from them are added back —
    /// the same order of additions as the GPU kernel's gather, so both give the same sums.
    /// </summary>
    public override void Col2Im(DeviceBuffer cols, DeviceBuffer image, PatchGeometry g)
    {
        nint px = (nint)Ptr(image), pc = (nint)Ptr(cols);
        var (offsets, outputs, inputs) = PairsByOffset(g);
        int columns = g.Columns, planeSize = g.Height * g.Width, outputSize = g.OutH * g.OutW, window = g.KernelH * g.KernelW;
        int batch = g.Batch, channels = g.Channels;
        CpuParallel.For(channels, Math.Max(1, (1 << 13) / Math.Max(1, batch * planeSize * window)), (start, end) =>
        {
            fixed (int* outAt = outputs, inAt = inputs)
            {
                for (int c = start; c < end; c++)
                {
                    for (int b = 0; b < batch; b++)
                        new Span<float>((float*)px + ((long)b * channels + c) * planeSize, planeSize).Clear();
                    for (int ij = 0; ij < window; ij++)
                    {
                        int first = offsets[ij], count = offsets[ij + 1] - first;
                        float* src = (float*)pc + (long)(c * window + ij) * columns;
                        for (int b = 0; b < batch; b++, src += outputSize)
                        {
                            float* plane = (float*)px + ((long)b * channels + c) * planeSize;
                            for (int q = first; q < first + count; q++) plane[inAt[q]] += src[outAt[q]];
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// For each window offset ij = i·KW + j, the output positions oh·OW + ow whose input
    /// (oh·s − ph + i, ow·s − pw + j) lies inside the image, with that input's position ih·W + iw:
    /// entries offsets[ij] … offsets[ij + 1] − 1 of <c>outputs</c> and <c>inputs</c>.
    /// </summary>
    private static (int[] Offsets, int[] Outputs, int[] Inputs) PairsByOffset(PatchGeometry g)
    {
        int window = g.KernelH * g.KernelW;
        var offsets = new int[window + 1];
        var outputs = new List<int>();
        var inputs = new List<int>();
        for (int i = 0; i < g.KernelH; i++)
            for (int j = 0; j < g.KernelW; j++)
            {
                offsets[i * g.KernelW + j] = outputs.Count;
                for (int oh = 0; oh < g.OutH; oh++)
                {
                    int ih = oh * g.Stride - g.PaddingH + i;
                    if (ih < 0 || ih >= g.Height) continue;
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        int iw = ow * g.Stride - g.PaddingW + j;
                        if (iw < 0 || iw >= g.Width) continue;
                        outputs.Add(oh * g.OutW + ow);
                        inputs.Add(ih * g.Width + iw);
                    }
                }
            }
        offsets[window] = outputs.Count;
        return (offsets, [.. outputs], [.. inputs]);
    }
}
