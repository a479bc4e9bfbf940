namespace GanFromScratch.Kernels;

/// <summary>The outcome of one kernel case run on two backends.</summary>
/// <param name="MaxError">max |a − b| / max(1, |a|) over the outputs (NaN and ±∞ must match exactly, else ∞).</param>
public sealed record KernelCheck(string Kernel, string Case, double MaxError, double Tolerance)
{
    public bool Agrees => MaxError <= Tolerance;
}

/// <summary>
/// Every kernel of the seam, run with the same seeded inputs on a reference backend (the CPU)
/// and on another (CUDA, or ILGPU's emulator), outputs compared within a stated tolerance.
/// The tests assert these on the emulator (and on a GPU where one is found); <c>gfs devices
/// --check</c> runs them on a GPU machine without the .NET SDK. Shapes are odd, so that tile
/// and vector edges are crossed; <c>large</c> adds shapes only a real GPU runs quickly.
/// </summary>
public static class KernelAgreement
{
    /// <summary>One case: the kernel called on a backend with uploaded inputs, writing into y.</summary>
    public sealed record Case(string Kernel, string Name, float[][] Inputs, int OutputLength, Action<Backend, DeviceBuffer[], DeviceBuffer> Run,
        double Tolerance, float[]? OutputStart = null);

    public static IEnumerable<KernelCheck> Compare(Backend reference, Backend candidate, bool large = false) =>
        Compare(reference, candidate, Cases(large));

    public static IEnumerable<KernelCheck> Compare(Backend reference, Backend candidate, IEnumerable<Case> cases)
    {
        foreach (var c in cases)
        {
            var expected = Execute(reference, c);
            var actual = Execute(candidate, c);
            yield return new KernelCheck(c.Kernel, c.Name, MaxError(expected, actual), c.Tolerance);
        }
    }

    private static float[] Execute(Backend backend, Case c)
    {
        var inputs = c.Inputs.Select(x => Upload(backend, x)).ToArray();
        using var y = Upload(backend, c.OutputStart ?? new float[c.OutputLength]);
        c.Run(backend, inputs, y);
        var result = new float[c.OutputLength];
        backend.Download(y, 0, result);
        foreach (var input in inputs) input.Dispose();
        return result;
    }

    private static DeviceBuffer Upload(Backend backend, float[] data)
    {
        var buffer = backend.Allocate(data.Length);
        backend.Upload(data, buffer);
        return buffer;
    }

    public static double MaxError(float[] expected, float[] actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) || float.IsInfinity(e))
            {
                if (!(e.Equals(a))) return double.PositiveInfinity;
                continue;
            }
            double error = Math.Abs((double)e - a) / Math.Max(1.0, Math.Abs(e));
            if (double.IsNaN(error)) return double.PositiveInfinity;
            worst = Math.Max(worst, error);
        }
        return worst;
    }

    /// <summary>Seeded uniform numbers in [low, high).</summary>
    public static float[] Random(int n, int seed, float low = -1, float high = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(low + rng.NextDouble() * (high - low))).ToArray();
    }

    public static IEnumerable<Case> Cases(bool large = false)
    {
        yield return new("fill", "37", [], 37, (b, _, y) => b.Fill(y, 37, 2.5f), 1e-6);
        yield return new("arange", "37", [], 37, (b, _, y) => b.Arange(y, 37, -1f, 0.25f), 1e-6);
        yield return new("random", "uniform 1001", [], 1001, (b, _, y) => b.Random(y, 1001, RandomDistribution.Uniform, 42, 7, -2f, 3f), 1e-6);
        yield return new("random", "normal 1001", [], 1001, (b, _, y) => b.Random(y, 1001, RandomDistribution.Normal, 42, 1UL << 33, 0.5f, 2f), 1e-5);

        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            bool positive = op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Pow;
            var x = Random(203, (int)op, positive ? 0.1f : -6f, 6f);
            x[0] = 0; // sign, relu and masks at exactly zero
            // NaN and the infinities must come out as they do on the CPU, which follows PyTorch
            // (tests/…/SpecialValueTests): on a GPU, max.f32 or an exp-based tanh would not.
            (x[1], x[2], x[3]) = (float.NaN, float.PositiveInfinity, float.NegativeInfinity);
            (float a, float beta) = op switch
            {
                UnaryOp.LeakyRelu => (0.2f, 0f),
                UnaryOp.Pow => (1.7f, 0f),
                UnaryOp.Clamp or UnaryOp.InRange => (-0.5f, 0.75f),
                UnaryOp.Affine => (1.5f, -0.25f),
                UnaryOp.GreaterThan => (0.3f, 0f),
                _ => (0f, 0f),
            };
            yield return new("unary", op.ToString(), [x], x.Length, (b, i, y) => b.Unary(op, i[0], y, x.Length, a, beta), 2e-6);
        }

        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            // [3, 5, 7] op [5, 1]: the second operand broadcasts along the first and last axes.
            var a = Random(105, 1);
            var bb = Random(5, 2);
            bb[1] = a[7]; // one equal pair for Equal
            bb[3] = float.NaN; // a NaN mask operand: PassPositive follows PyTorch's ReLU and LeakyReLU backward there
            float alpha = op == BinaryOp.PassPositive ? 0.3f : 0f;
            yield return new("binary", op.ToString(), [a, bb], 105, (b, i, y) => b.Binary(op, i[0], [35, 7, 1], i[1], [0, 1, 0], y, [3, 5, 7], alpha), 1e-6);
            if (op == BinaryOp.PassPositive) // ReLU's backward (α = 0) passes the gradient where the mask is NaN
                yield return new("binary", "PassPositive α 0", [a, bb], 105, (b, i, y) => b.Binary(op, i[0], [35, 7, 1], i[1], [0, 1, 0], y, [3, 5, 7], 0f), 1e-6);
        }

        // Five axes that do not merge: more than a strided launch takes (StridedLayout.MaxRank), so the ILGPU backend splits it.
        var a5 = Random(72, 10);
        var b5 = Random(8, 11);
        yield return new("binary", "Mul [2, 3, 2, 3, 2] by [2, 1, 2, 1, 2]", [a5, b5], 72,
            (b, i, y) => b.Binary(BinaryOp.Mul, i[0], [36, 12, 6, 2, 1], i[1], [4, 0, 2, 0, 1], y, [2, 3, 2, 3, 2]), 1e-6);
        yield return new("copy", "permute [2, 3, 2, 3, 2] by (4, 2, 0, 3, 1) from offset 1", [Random(73, 12)], 72,
            (b, i, y) => b.Copy(i[0], 1, [1, 6, 36, 2, 12], y, 0, [36, 18, 9, 3, 1], [2, 2, 2, 3, 3]), 0);

        // Rows by index: 13 picks from a table of 5 rows of 7, repeats included, and one index outside the table.
        var table = Random(5 * 7, 14);
        float[] picks = [3, 0, 4, 4, 1, 3, 2, 0, 0, 4, 1, 3, 7];
        yield return new("gather", "13 of [5, 7], one outside", [table, picks], 13 * 7, (b, i, y) => b.Gather(i[0], i[1], y, 13, 5, 7), 0);
        yield return new("scatter_add", "13 rows of 7 into [5, 7]", [Random(13 * 7, 15), picks], 5 * 7,
            (b, i, y) => b.ScatterAdd(i[0], i[1], y, 13, 5, 7), 1e-6, Random(5 * 7, 16));

        var cond = Random(50, 3).Select(v => v > 0 ? 1f : 0f).ToArray();
        yield return new("where", "50", [cond, Random(50, 4), Random(50, 5)], 50, (b, i, y) => b.Where(i[0], i[1], i[2], y, 50), 0);
        var src = Random(45, 6);
        yield return new("copy", "transpose [6, 7] from offset 3", [src], 42, (b, i, y) => b.Copy(i[0], 3, [1, 7], y, 0, [6, 1], [7, 6]), 0);
        yield return new("copy", "scalar", [src], 1, (b, i, y) => b.Copy(i[0], 5, [], y, 0, [], []), 0);
        // A 2× nearest upsampling of [2, 3, 5, 5] (each pixel twice along a row, each row twice), and rows of 3 across a transposed source.
        yield return new("copy", "2× nearest upsampling [2, 3, 5, 5]", [Random(150, 17)], 600,
            (b, i, y) => b.Copy(i[0], 0, [75, 25, 5, 0, 1, 0], y, 0, [300, 100, 20, 10, 2, 1], [2, 3, 5, 2, 5, 2]), 0);
        yield return new("copy", "rows of 3 of a transposed [3, 20]", [Random(60, 18)], 60,
            (b, i, y) => b.Copy(i[0], 0, [1, 4, 20], y, 0, [15, 3, 1], [4, 5, 3]), 0);

        var x3 = Random(4 * 9 * 5, 7);
        var rows = Random(3 * 301 * 2, 8);
        var longRow = Random(large ? 1 << 20 : 5000, 9);
        var nanRows = Random(3 * 301 * 2, 13);
        nanRows[301 * 2 + 17] = float.NaN; // row 1 of [3, 301, 2]: its max and its sum are NaN
        nanRows[5] = float.PositiveInfinity;
        foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Max })
        {
            double tol = op == ReduceOp.Sum ? 1e-5 : 0;
            yield return new("reduce", $"{op} [4, 9, 5] middle", [x3], 20, (b, i, y) => b.Reduce(op, i[0], y, 4, 9, 5), tol);
            // Long rows take the group-per-output kernel (warp shuffles, then shared memory).
            yield return new("reduce", $"{op} [3, 301, 2] long rows", [rows], 6, (b, i, y) => b.Reduce(op, i[0], y, 3, 301, 2), tol);
            yield return new("reduce", $"{op} all {longRow.Length}", [longRow], 1, (b, i, y) => b.Reduce(op, i[0], y, 1, longRow.Length, 1), op == ReduceOp.Sum ? 1e-4 : 0);
            yield return new("reduce", $"{op} [3, 301, 2] with NaN and ∞", [nanRows], 6, (b, i, y) => b.Reduce(op, i[0], y, 3, 301, 2), tol);
            yield return new("reduce", $"{op} [6, 301] with NaN and ∞", [nanRows], 6, (b, i, y) => b.Reduce(op, i[0], y, 6, 301, 1), tol);
        }

        var gemmShapes = new List<(int M, int N, int K)> { (1, 1, 1), (17, 33, 19), (40, 2, 37), (3, 50, 1), (70, 40, 13) };
        if (large) gemmShapes.AddRange([(64, 64, 64), (200, 300, 150), (129, 257, 511), (512, 512, 512)]);
        foreach (var (m, n, k) in gemmShapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    const int batch = 2;
                    var a = Random(batch * m * k, 8);
                    var bm = Random(batch * k * n, 9);
                    var c0 = Random(batch * m * n, 10);
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    double tol = 1e-5 * Math.Max(1, Math.Sqrt(k) / 4);
                    string name = $"{m}×{n}×{k} {(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} batch 2";
                    yield return new("gemm", name, [a, bm], batch * m * n, (b, i, y) => b.Gemm(ta, tb, m, n, k, 1f, i[0], 0, lda, (long)m * k,
                        i[1], 0, ldb, (long)k * n, 0f, y, 0, n, (long)m * n, batch), tol);
                    // α and β, with C read back in.
                    yield return new("gemm", name + " α 0.5 β −2", [a, bm], batch * m * n, (b, i, y) => b.Gemm(ta, tb, m, n, k, 0.5f, i[0], 0, lda, (long)m * k,
                        i[1], 0, ldb, (long)k * n, -2f, y, 0, n, (long)m * n, batch), tol, c0);
                }
        // The fused epilogue, in the two forms the layers use: a linear layer's act(x·Wᵀ + b), bias
        // per column, and a convolution's W·patches + b, bias per row.
        foreach (var (m, n, k) in gemmShapes)
        {
            var a = Random(2 * m * k, 8);
            var bm = Random(2 * k * n, 9);
            double tol = 1e-5 * Math.Max(1, Math.Sqrt(k) / 4);
            yield return new("gemm", $"{m}×{n}×{k} NT batch 2 + bias per column, LeakyReLU 0.2", [a, bm, Random(n, 11)], 2 * m * n,
                (b, i, y) => b.Gemm(false, true, m, n, k, 1f, i[0], 0, k, (long)m * k, i[1], 0, k, (long)k * n, 0f, y, 0, n, (long)m * n, 2,
                    new GemmEpilogue(i[2], GemmBias.PerColumn, GemmActivation.LeakyRelu, 0.2f)), tol);
            yield return new("gemm", $"{m}×{n}×{k} NN + bias per row, ReLU", [a, bm, Random(m, 12)], m * n,
                (b, i, y) => b.Gemm(false, false, m, n, k, 1f, i[0], 0, k, 0, i[1], 0, n, 0, 0f, y, 0, n, 0, 1,
                    new GemmEpilogue(i[2], GemmBias.PerRow, GemmActivation.Relu)), tol);
        }

        // The last: gan_mnist.py's first critic convolution at batch 2 (rows of 14 outputs: col2im's
        // stride-2 runs take a whole vector and a part).
        var geometries = new List<PatchGeometry>
        {
            new(2, 3, 7, 6, 3, 2, 2, 1), new(1, 2, 7, 8, 2, 1, 3, 1), new(3, 2, 4, 4, 4, 4, 1, 3), new(2, 3, 1, 9, 1, 5, 1, 0, 2),
            new(2, 2, 28, 28, 5, 5, 2, 2),
        };
        if (large) geometries.Add(new(50, 64, 14, 14, 5, 5, 2, 2));
        foreach (var g in geometries)
        {
            string name = $"[{g.Batch}, {g.Channels}, {g.Height}, {g.Width}] {g.KernelH}×{g.KernelW} stride {g.Stride} pad {g.PaddingDescription}";
            // The same additions in the same order on both: equal to the last bit.
            yield return new("im2col", name, [Random(g.ImageSize, 3)], g.Rows * g.Columns, (b, i, y) => b.Im2Col(i[0], y, g), 0);
            yield return new("col2im", name, [Random(g.Rows * g.Columns, 4)], g.ImageSize, (b, i, y) => b.Col2Im(i[0], y, g), 0);
            // The products with the patch matrix: a convolution W·P(x) with bias and LeakyReLU (7
            // output channels: the CPU's packed path), and a weight gradient α·∂y·P(x)ᵀ + β·C.
            const int m = 7;
            double tol = 1e-5 * Math.Max(1, Math.Sqrt(Math.Max(g.Rows, g.Columns)) / 4);
            yield return new("patch_gemm", name + " W·P + bias, LeakyReLU", [Random(m * g.Rows, 5), Random(g.ImageSize, 3), Random(m, 6)], m * g.Columns,
                (b, i, y) => b.PatchGemm(false, m, 1f, i[0], 0, g.Rows, i[1], g, 0f, y, 0, g.Columns,
                    new GemmEpilogue(i[2], GemmBias.PerRow, GemmActivation.LeakyRelu, 0.2f)), tol);
            yield return new("patch_gemm", name + " α 0.5 ∂y·Pᵀ β −2", [Random(m * g.Columns, 7), Random(g.ImageSize, 3)], m * g.Rows,
                (b, i, y) => b.PatchGemm(true, m, 0.5f, i[0], 0, g.Columns, i[1], g, -2f, y, 0, g.Rows), tol, Random(m * g.Rows, 8));
            // A convolution straight into images [B, 16, OH, OW] (16 channels: the CPU's direct path where there are 16 positions).
            const int channels = 16;
            yield return new("patch_gemm_images", name + " W·P + bias, LeakyReLU", [Random(channels * g.Rows, 9), Random(g.ImageSize, 3), Random(channels, 10)],
                channels * g.Columns, (b, i, y) => b.PatchGemmImages(channels, i[0], g.Rows, i[1], g, y,
                    new GemmEpilogue(i[2], GemmBias.PerRow, GemmActivation.LeakyRelu, 0.2f)), tol);
        }

        var p = Random(77, 11);
        var grad = Random(77, 12);
        var s = Random(77, 13, 0f, 1f);
        var mom = Random(77, 14);
        // The parameter is the output buffer (updated in place); state buffers are inputs updated in place too.
        yield return new("sgd", "77", [grad, s], 77, (b, i, y) => b.SgdUpdate(y, i[0], i[1], 77, 0.1f, 0.9f, 0.01f), 1e-6, p);
        yield return new("rmsprop", "77", [grad, s], 77, (b, i, y) => b.RmsPropUpdate(y, i[0], i[1], 77, 0.01f, 0.99f, 1e-8f, 0.1f), 2e-6, p);
        yield return new("adam", "77", [grad, mom, s], 77, (b, i, y) => b.AdamUpdate(y, i[0], i[1], i[2], 77, 1e-3f, 0.5f, 0.9f, 1e-8f, 0.01f, 0.75f, 0.19f), 2e-6, p);
    }
}
