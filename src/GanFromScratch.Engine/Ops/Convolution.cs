using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>
/// Convolutions as matrix products. im2col copies every window of the image into a column of a
/// matrix P, the patch matrix, so a convolution is one product W·P with the weights; col2im adds
/// the columns of a matrix back into an image. The two are linear and each other's transpose.
/// <para>
/// Three products make up every convolution and all its derivatives, each the others' backward rule:
/// </para>
/// <code>
/// PatchProduct            y = W·P(x)           ∂W = ∂y·P(x)ᵀ (PatchProductTransposed)   ∂x = col2im(Wᵀ·∂y) (ColumnsToImages)
/// PatchProductTransposed  z = A·P(x)ᵀ          ∂A = ∂z·P(x)                              ∂x = col2im(∂zᵀ·A)
/// ColumnsToImages         v = col2im(Wᵀ·U)     ∂W = U·P(∂v)ᵀ                             ∂U = W·P(∂v)
/// </code>
/// So gradients of gradients (the penalty's ∂/∂θ ‖∇ₓD‖) stay within the three, and P is never
/// written out: the backend reads its elements from the images as its GEMM packs them
/// (<see cref="Backend.PatchGemm"/>). A convolution is a PatchProduct; a transposed convolution
/// a ColumnsToImages. Written with <see cref="Im2Col(int, int, int, int)"/> and a matrix product
/// instead, they give the same numbers to the last bit (tested), and cost the patch matrix's memory.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// The patch matrix of images [B, C, H, W]: row (c, i, j), column (b, oh, ow) holds
    /// x[b, c, oh·stride − padding + i, ow·stride − padding + j] (0 outside the image).
    /// Shape [C·kernelH·kernelW, B·OH·OW].
    /// </summary>
    public Tensor Im2Col(int kernelH, int kernelW, int stride = 1, int padding = 0)
    {
        var x = this;
        RequireImages("im2col", x);
        var g = new PatchGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernelH, kernelW, stride, padding);
        return Im2Col(x, g);
    }

    private static Tensor Im2Col(Tensor x, PatchGeometry g)
    {
        var cols = Empty(x, [g.Rows, g.Columns]);
        x.Backend.Im2Col(x.Buffer, cols.Buffer, g);
        return Record(cols, "im2col", [x], grad => [Col2Im(grad, g)]);
    }

    /// <summary>
    /// The transpose of <see cref="Im2Col(int, int, int, int)"/>: adds the columns of a patch matrix
    /// back into images [batch, channels, height, width]; where windows overlap, their entries add.
    /// </summary>
    public Tensor Col2Im(int batch, int channels, int height, int width, int kernelH, int kernelW, int stride = 1, int padding = 0) =>
        Col2Im(this, new PatchGeometry(batch, channels, height, width, kernelH, kernelW, stride, padding));

    private static Tensor Col2Im(Tensor cols, PatchGeometry g)
    {
        if (cols.Rank != 2 || cols.Shape[0] != g.Rows || cols.Shape[1] != g.Columns)
            throw new ArgumentException($"col2im: expected a patch matrix [{g.Rows}, {g.Columns}], got {Shapes.Format(cols.Shape)}.");
        var image = Empty(cols, [g.Batch, g.Channels, g.Height, g.Width]);
        cols.Backend.Col2Im(cols.Buffer, image.Buffer, g);
        return Record(image, "col2im", [cols], grad => [Im2Col(grad, g)]);
    }

    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch's conv2d): x [B, Cin, H, W], weight
    /// [Cout, Cin, kH, kW], optional bias [Cout] → [B, Cout, OH, OW] with
    /// OH = (H + 2·padding − kH) / stride + 1. One product W[Cout, Cin·kH·kW] · patches, whose
    /// epilogue adds the bias (one per row: per channel) and applies the optional activation
    /// (see <see cref="MatMulT(Tensor, Tensor, bool, bool, Tensor?, GemmBias, GemmActivation, float)"/>).
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0,
        GemmActivation activation = GemmActivation.None, float slope = 0f)
    {
        RequireImages("conv2d", x);
        if (weight.Rank != 4 || weight.Shape[1] != x.Shape[1])
            throw new ArgumentException(
                $"conv2d: weight {Shapes.Format(weight.Shape)} does not fit input {Shapes.Format(x.Shape)}: expected [out channels, {x.Shape[1]}, kernel h, kernel w].");
        var g = new PatchGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], weight.Shape[2], weight.Shape[3], stride, padding);
        RequireChannelBias("conv2d", bias, weight.Shape[0]);
        return Convolve(x, weight, bias, g, activation, slope);
    }

    /// <summary>
    /// The convolution of <see cref="Conv2d"/> over patches of geometry <paramref name="g"/>:
    /// act(W[Cout, Cin·kH·kW] · P(x) + bias), its columns (b, oh, ow) written as images
    /// [B, Cout, OH, OW] (<see cref="Backend.PatchGemmImages"/>; the product [Cout, B·OH·OW] then a
    /// permute, where a backend has nothing better). The backward rule is
    /// <see cref="PatchProduct"/>'s (with the bias), its gradient permuted back to [Cout, B·OH·OW] first.
    /// </summary>
    private static Tensor Convolve(Tensor x, Tensor weight, Tensor? bias, PatchGeometry g, GemmActivation activation = GemmActivation.None, float slope = 0f)
    {
        SameBackend("convolution", weight, x);
        int m = weight.Shape[0];
        var w = weight.Reshape(m, g.Rows);
        var y = Empty(w, [g.Batch, m, g.OutH, g.OutW]);
        w.Backend.PatchGemmImages(m, w.Buffer, g.Rows, x.Buffer, g, y.Buffer, new GemmEpilogue(bias?.Buffer, GemmBias.PerRow, activation, slope));
        string name = "conv2d" + (bias is null ? "" : "_bias") + activation switch
        {
            GemmActivation.Relu => "_relu",
            GemmActivation.LeakyRelu => "_leaky_relu",
            _ => "",
        };
        return Record(y, name, bias is null ? [w, x] : [w, x, bias], grad =>
        {
            // Through the fused activation (where y was passed on: y > 0, or scaled by the slope), then back to [m, Columns].
            var gy = activation switch
            {
                GemmActivation.Relu => PassPositive(grad, y, 0f),
                GemmActivation.LeakyRelu => PassPositive(grad, y, slope),
                _ => grad,
            };
            return PatchProductGradients(gy.Permute(1, 0, 2, 3).Reshape(m, g.Columns), w, x, bias, g);
        });
    }

    /// <summary>W·P(x) + bias's gradients from gy [m, Columns]: ∂W = gy·P(x)ᵀ, ∂x = col2im(Wᵀ·gy), ∂bias = gy summed over the columns.</summary>
    private static Tensor?[] PatchProductGradients(Tensor gy, Tensor w, Tensor x, Tensor? bias, PatchGeometry g)
    {
        Tensor?[] gradients =
        [
            Needs(w) ? PatchProductTransposed(gy, x, g) : null, // ∂W = ∂y·P(x)ᵀ
            Needs(x) ? ColumnsToImages(w, gy, g) : null,        // ∂x = col2im(Wᵀ·∂y)
        ];
        return bias is null ? gradients : [.. gradients, Needs(bias) ? gy.SumTo([w.Shape[0], 1]).Reshape(w.Shape[0]) : null];
    }

    /// <summary>
    /// W·P(x): W [m, Rows] times the patch matrix of images x (geometry g), in one GEMM that reads
    /// P from x (<see cref="Backend.PatchGemm"/>) → [m, Columns] — the backward rules' product (a
    /// convolution's forward is <see cref="Convolve"/>). The backward rule is
    /// <see cref="MatMulT(Tensor, Tensor, bool, bool, Tensor?, GemmBias, GemmActivation, float)"/>'s
    /// for W·P with P's gradient taken on to x by col2im, each product formed only where needed.
    /// </summary>
    private static Tensor PatchProduct(Tensor w, Tensor x, PatchGeometry g)
    {
        SameBackend("convolution", w, x);
        var y = Empty(w, [w.Shape[0], g.Columns]);
        w.Backend.PatchGemm(false, w.Shape[0], 1f, w.Buffer, 0, g.Rows, x.Buffer, g, 0f, y.Buffer, 0, g.Columns);
        return Record(y, "patch_product", [w, x], grad => PatchProductGradients(grad, w, x, null, g));
    }

    /// <summary>
    /// A·P(x)ᵀ: A [m, Columns] times the transposed patch matrix of images x → [m, Rows] — a
    /// convolution's weight gradient ∂y·P(x)ᵀ, in one GEMM that reads P from x.
    /// </summary>
    private static Tensor PatchProductTransposed(Tensor a, Tensor x, PatchGeometry g)
    {
        SameBackend("convolution", a, x);
        int m = a.Shape[0];
        var z = Empty(a, [m, g.Rows]);
        a.Backend.PatchGemm(true, m, 1f, a.Buffer, 0, g.Columns, x.Buffer, g, 0f, z.Buffer, 0, g.Rows);
        return Record(z, "patch_product_transposed", [a, x], grad =>
        [
            Needs(a) ? PatchProduct(grad, x, g) : null,     // ∂A = ∂z·P(x)
            Needs(x) ? ColumnsToImages(grad, a, g) : null,  // ∂x = col2im(∂zᵀ·A)
        ]);
    }

    /// <summary>
    /// col2im(Wᵀ·U): W [m, Rows] and U [m, Columns] → images [Batch, Channels, Height, Width] of
    /// geometry g — a transposed convolution, and a convolution's input gradient, in one kernel
    /// (<see cref="Backend.Col2ImGemm"/>) that need not form Wᵀ·U.
    /// </summary>
    private static Tensor ColumnsToImages(Tensor w, Tensor u, PatchGeometry g)
    {
        SameBackend("convolution", w, u);
        int m = w.Shape[0];
        var images = Empty(u, [g.Batch, g.Channels, g.Height, g.Width]);
        u.Backend.Col2ImGemm(m, w.Buffer, u.Buffer, images.Buffer, g);
        return Record(images, "columns_to_images", [w, u], grad =>
        [
            Needs(w) ? PatchProductTransposed(u, grad, g) : null, // ∂W = U·P(∂v)ᵀ
            Needs(u) ? PatchProduct(w, grad, g) : null,           // ∂U = W·P(∂v)
        ]);
    }

    /// <summary>
    /// 1-D convolution (PyTorch's conv1d, stride 1): x [B, Cin, L], weight [Cout, Cin, k], optional
    /// bias [Cout] → [B, Cout, L + 2·padding − k + 1]; padding (k − 1)/2 keeps the length for an odd
    /// k. It is the 2-D convolution of an image of height 1 padded along its width only: the same
    /// im2col and product, so its gradients of every order come with it. (Written instead as the k
    /// shifted copies of the padded sequence concatenated and multiplied by W, <see cref="Conv1dByShifts"/>,
    /// it gives the same numbers more slowly: <c>gfs bench conv --text</c>.)
    /// </summary>
    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias = null, int padding = 0)
    {
        if (x.Rank != 3)
            throw new ArgumentException($"conv1d: expected sequences [batch, channels, length], got shape {Shapes.Format(x.Shape)}.");
        if (weight.Rank != 3 || weight.Shape[1] != x.Shape[1])
            throw new ArgumentException(
                $"conv1d: weight {Shapes.Format(weight.Shape)} does not fit input {Shapes.Format(x.Shape)}: expected [out channels, {x.Shape[1]}, kernel size].");
        int batch = x.Shape[0], channels = x.Shape[1], length = x.Shape[2], outChannels = weight.Shape[0], kernel = weight.Shape[2];
        if (padding < 0 || length + 2 * padding < kernel)
            throw new ArgumentException($"conv1d: a kernel of {kernel} does not fit in a sequence of {length} padded by {padding} (padding must be ≥ 0).");
        RequireChannelBias("conv1d", bias, outChannels);
        var g = new PatchGeometry(batch, channels, 1, length, 1, kernel, 1, 0, padding);
        return Convolve(x.Reshape(batch, channels, 1, length), weight.Reshape(outChannels, channels, 1, kernel), bias, g)
            .Reshape(batch, outChannels, g.OutW);
    }

    /// <summary>
    /// <see cref="Conv1d"/> written out of differentiable ops alone, as a reader would first write
    /// it: the sequence padded, its k shifted copies x[:, :, i : i + L′] stacked into the patch
    /// matrix (row (c, i), column (b, t)), and one product with W[Cout, Cin·k]. The same numbers and
    /// gradients as <see cref="Conv1d"/> (tested); the benchmark shows what the copies cost.
    /// </summary>
    public static Tensor Conv1dByShifts(Tensor x, Tensor weight, Tensor? bias = null, int padding = 0)
    {
        int batch = x.Shape[0], channels = x.Shape[1], k = weight.Shape[2], outChannels = weight.Shape[0];
        var padded = x.Pad(2, padding, padding);
        int length = padded.Shape[2] - k + 1;
        var shifts = Enumerable.Range(0, k).Select(i => padded.Narrow(2, i, length).Reshape(batch, channels, 1, length)).ToArray();
        var patches = Concat(shifts, 2).Permute(1, 2, 0, 3).Reshape(channels * k, batch * length);
        var y = MatMul(weight.Reshape(outChannels, channels * k), patches).Reshape(outChannels, batch, length).Permute(1, 0, 2);
        return bias is null ? y : y + bias.Reshape(1, outChannels, 1);
    }

    /// <summary>
    /// 2-D transposed convolution (PyTorch's conv_transpose2d): x [B, Cin, H, W], weight
    /// [Cin, Cout, kH, kW] → [B, Cout, OH, OW] with OH = (H − 1)·stride − 2·padding + kH + outputPadding.
    /// It is the transpose of the convolution with the same weight: Wᵀ · x gives the patch matrix
    /// of the output, and col2im adds the patches into it (<see cref="ColumnsToImages"/>).
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0)
    {
        RequireImages("conv_transpose2d", x);
        if (weight.Rank != 4 || weight.Shape[0] != x.Shape[1])
            throw new ArgumentException(
                $"conv_transpose2d: weight {Shapes.Format(weight.Shape)} does not fit input {Shapes.Format(x.Shape)}: expected [{x.Shape[1]}, out channels, kernel h, kernel w].");
        if (outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentException($"conv_transpose2d: output padding {outputPadding} must be in [0, stride {stride}).");
        int batch = x.Shape[0], inChannels = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int outChannels = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        int outH = (h - 1) * stride - 2 * padding + kh + outputPadding, outW = (w - 1) * stride - 2 * padding + kw + outputPadding;
        if (outH < 1 || outW < 1)
            throw new ArgumentException($"conv_transpose2d: padding {padding} leaves no output for input {h}×{w} and kernel {kh}×{kw}.");
        var g = new PatchGeometry(batch, outChannels, outH, outW, kh, kw, stride, padding);
        var inputs = x.Permute(1, 0, 2, 3).Reshape(inChannels, batch * h * w);
        return AddChannelBias("conv_transpose2d", ColumnsToImages(weight.Reshape(inChannels, g.Rows), inputs, g), bias); // col2im(Wᵀ·x)
    }

    private static Tensor AddChannelBias(string op, Tensor y, Tensor? bias)
    {
        if (bias is null) return y;
        RequireChannelBias(op, bias, y.Shape[1]);
        return y + bias.Reshape(1, y.Shape[1], 1, 1);
    }

    private static void RequireChannelBias(string op, Tensor? bias, int channels)
    {
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != channels))
            throw new ArgumentException($"{op}: bias {Shapes.Format(bias.Shape)} should be [{channels}], one value per output channel.");
    }

    private static void RequireImages(string op, Tensor x)
    {
        if (x.Rank != 4)
            throw new ArgumentException($"{op}: expected images [batch, channels, height, width], got shape {Shapes.Format(x.Shape)}.");
    }
}
