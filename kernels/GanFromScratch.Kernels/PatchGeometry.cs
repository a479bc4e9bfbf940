namespace GanFromScratch.Kernels;

/// <summary>
/// The patches a 2-D convolution reads: images [Batch, Channels, Height, Width], a
/// KernelH×KernelW window moved by Stride over the image padded by PaddingH zeros above and below
/// and PaddingW zeros left and right (a 1-D convolution is an image of height 1 padded along its
/// width only). The window takes OutH×OutW positions. Im2col lays the patches out as the columns
/// of a matrix [Channels·KernelH·KernelW, Batch·OutH·OutW]: row (c, i, j) and column (b, oh, ow)
/// hold x[b, c, oh·Stride − PaddingH + i, ow·Stride − PaddingW + j], or 0 outside the image.
/// A plain struct of ints so that GPU kernels can take it as an argument; equal when every field is
/// (CPU kernels keep tables per geometry).
/// </summary>
public struct PatchGeometry : IEquatable<PatchGeometry>
{
    public int Batch, Channels, Height, Width, KernelH, KernelW, Stride, PaddingH, PaddingW, OutH, OutW;

    /// <summary>The same padding on every side.</summary>
    public PatchGeometry(int batch, int channels, int height, int width, int kernelH, int kernelW, int stride, int padding)
        : this(batch, channels, height, width, kernelH, kernelW, stride, padding, padding) { }

    public PatchGeometry(int batch, int channels, int height, int width, int kernelH, int kernelW, int stride, int paddingH, int paddingW)
    {
        if (batch < 0 || channels < 1 || height < 1 || width < 1 || kernelH < 1 || kernelW < 1 || stride < 1 || paddingH < 0 || paddingW < 0)
            throw new ArgumentException(
                $"Patch geometry: batch {batch}, channels {channels}, image {height}×{width}, kernel {kernelH}×{kernelW}, stride {stride}, " +
                $"padding {PaddingText(paddingH, paddingW)} is not a valid convolution.");
        Batch = batch; Channels = channels; Height = height; Width = width;
        KernelH = kernelH; KernelW = kernelW; Stride = stride; PaddingH = paddingH; PaddingW = paddingW;
        OutH = (height + 2 * paddingH - kernelH) / stride + 1;
        OutW = (width + 2 * paddingW - kernelW) / stride + 1;
        if (height + 2 * paddingH < kernelH || width + 2 * paddingW < kernelW)
            throw new ArgumentException(
                $"Patch geometry: a {kernelH}×{kernelW} kernel does not fit in a {height}×{width} image padded by {PaddingText(paddingH, paddingW)}.");
    }

    /// <summary>"2", or "0×2" (rows × columns) where the two differ.</summary>
    public readonly string PaddingDescription => PaddingText(PaddingH, PaddingW);

    private static string PaddingText(int h, int w) => h == w ? $"{h}" : $"{h}×{w}";

    /// <summary>Rows of the patch matrix: Channels·KernelH·KernelW.</summary>
    public readonly int Rows => Channels * KernelH * KernelW;

    /// <summary>Columns of the patch matrix: Batch·OutH·OutW.</summary>
    public readonly int Columns => Batch * OutH * OutW;

    public readonly bool Equals(PatchGeometry other) =>
        Batch == other.Batch && Channels == other.Channels && Height == other.Height && Width == other.Width && KernelH == other.KernelH &&
        KernelW == other.KernelW && Stride == other.Stride && PaddingH == other.PaddingH && PaddingW == other.PaddingW;

    public override readonly bool Equals(object? obj) => obj is PatchGeometry other && Equals(other);

    public override readonly int GetHashCode() =>
        HashCode.Combine(HashCode.Combine(Batch, Channels, Height, Width), KernelH, KernelW, Stride, PaddingH, PaddingW);

    /// <summary>Elements of the images: Batch·Channels·Height·Width.</summary>
    public readonly int ImageSize => Batch * Channels * Height * Width;

    /// <summary>
    /// For each window offset ij = i·KernelW + j and output position q = oh·OutW + ow, at
    /// [ij·OutH·OutW + q]: the input position ih·Width + iw the patch entry reads, or −1 where the
    /// window lies on the padding. It depends on neither the image nor the channel, so CPU kernels
    /// work it out once per call and then run long loops over it.
    /// </summary>
    public readonly int[] InputMap()
    {
        int outputs = OutH * OutW;
        var map = new int[KernelH * KernelW * outputs];
        for (int i = 0; i < KernelH; i++)
            for (int j = 0; j < KernelW; j++)
                for (int oh = 0; oh < OutH; oh++)
                    for (int ow = 0; ow < OutW; ow++)
                    {
                        int ih = oh * Stride - PaddingH + i, iw = ow * Stride - PaddingW + j;
                        map[((i * KernelW + j) * OutH + oh) * OutW + ow] = ih >= 0 && ih < Height && iw >= 0 && iw < Width ? ih * Width + iw : -1;
                    }
        return map;
    }
}
