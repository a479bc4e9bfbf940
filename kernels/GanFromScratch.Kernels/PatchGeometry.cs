namespace GanFromScratch.Kernels;

/// <summary>
/// The patches a 2-D convolution reads: images [Batch, Channels, Height, Width], a
/// KernelH×KernelW window moved by Stride over the image padded by Padding zeros on every side.
/// The window takes OutH×OutW positions. Im2col lays the patches out as the columns of a matrix
/// [Channels·KernelH·KernelW, Batch·OutH·OutW]: row (c, i, j) and column (b, oh, ow) hold
/// x[b, c, oh·Stride − Padding + i, ow·Stride − Padding + j], or 0 outside the image.
/// A plain struct of ints so that GPU kernels can take it as an argument.
/// </summary>
public struct PatchGeometry
{
    public int Batch, Channels, Height, Width, KernelH, KernelW, Stride, Padding, OutH, OutW;

    public PatchGeometry(int batch, int channels, int height, int width, int kernelH, int kernelW, int stride, int padding)
    {
        if (batch < 0 || channels < 1 || height < 1 || width < 1 || kernelH < 1 || kernelW < 1 || stride < 1 || padding < 0)
            throw new ArgumentException(
                $"Patch geometry: batch {batch}, channels {channels}, image {height}×{width}, kernel {kernelH}×{kernelW}, stride {stride}, padding {padding} is not a valid convolution.");
        Batch = batch; Channels = channels; Height = height; Width = width;
        KernelH = kernelH; KernelW = kernelW; Stride = stride; Padding = padding;
        OutH = (height + 2 * padding - kernelH) / stride + 1;
        OutW = (width + 2 * padding - kernelW) / stride + 1;
        if (height + 2 * padding < kernelH || width + 2 * padding < kernelW)
            throw new ArgumentException(
                $"Patch geometry: a {kernelH}×{kernelW} kernel does not fit in a {height}×{width} image padded by {padding}.");
    }

    /// <summary>Rows of the patch matrix: Channels·KernelH·KernelW.</summary>
    public readonly int Rows => Channels * KernelH * KernelW;

    /// <summary>Columns of the patch matrix: Batch·OutH·OutW.</summary>
    public readonly int Columns => Batch * OutH * OutW;

    /// <summary>Elements of the images: Batch·Channels·Height·Width.</summary>
    public readonly int ImageSize => Batch * Channels * Height * Width;
}
