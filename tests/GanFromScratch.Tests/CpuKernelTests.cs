using GanFromScratch.Engine;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Tests;

/// <summary>The CPU kernels against plain scalar loops, including sizes that are not multiples of any tile.</summary>
public class CpuKernelTests
{
    private static readonly Backend Cpu = CpuBackend.Instance;

    private static float[] Random(int n, int seed) => KernelData.Random(n, seed);

    private static DeviceBuffer Upload(float[] data) => KernelData.Up(Cpu, data);

    private static float[] Download(DeviceBuffer buffer, int n) => KernelData.Down(Cpu, buffer, n);

    /// <summary>Every branch of the GEMM: thin (m, n or k ≤ 4), blocked with partial tiles, several k slabs, all transposes.</summary>
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(2, 300, 40)]
    [InlineData(40, 2, 300)]
    [InlineData(33, 1, 20)]
    [InlineData(37, 2, 9)]
    [InlineData(33, 3, 20)]
    [InlineData(21, 4, 13)]
    [InlineData(37, 45, 1)]
    [InlineData(13, 35, 9)]
    [InlineData(50, 70, 300)]
    [InlineData(150, 33, 17)]
    [InlineData(64, 64, 64)]
    [InlineData(40, 20, 2000)] // on 2 threads: packed once, C split by row panels (one column panel)
    public void Gemm_matches_the_triple_loop_for_every_transpose(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (int threads in new[] { 1, 2 })
                {
                    CpuParallel.Threads = threads;
                    try { CheckGemm(m, n, k, ta, tb, alpha: 1.5f, beta: 0.5f); }
                    finally { CpuParallel.Threads = Environment.ProcessorCount; }
                }
    }

    /// <summary>
    /// The fused epilogue, on every path of the GEMM (thin, blocked, shared packing; C split by
    /// rows or by columns on 2 threads), equals the product followed by the broadcast bias add and
    /// the activation kernel, to the last bit: a fused layer trains exactly like an unfused one.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(2, 300, 40)]
    [InlineData(40, 2, 300)]
    [InlineData(33, 3, 20)]
    [InlineData(37, 45, 1)]
    [InlineData(50, 70, 300)]
    [InlineData(150, 33, 17)]
    [InlineData(40, 20, 2000)]
    [InlineData(256, 512, 64)]
    public void Gemm_epilogue_equals_bias_add_then_activation(int m, int n, int k)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c0 = Random(m * n, 3);
        using var ba = Upload(a);
        using var bb = Upload(b);
        foreach (var along in new[] { GemmBias.PerColumn, GemmBias.PerRow })
        {
            var bias = Random(along == GemmBias.PerRow ? m : n, 4);
            using var bbias = Upload(bias);
            foreach (var (activation, op) in new[] { (GemmActivation.None, (UnaryOp?)null), (GemmActivation.Relu, UnaryOp.Relu), (GemmActivation.LeakyRelu, UnaryOp.LeakyRelu) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        foreach (int threads in new[] { 1, 2 })
                        {
                            CpuParallel.Threads = threads;
                            try
                            {
                                int lda = ta ? m : k, ldb = tb ? k : n;
                                float beta = ta ? 0.5f : 0f;
                                using var fused = Upload(c0);
                                Cpu.Gemm(ta, tb, m, n, k, 1.5f, ba, 0, lda, 0, bb, 0, ldb, 0, beta, fused, 0, n, 0,
                                    epilogue: new GemmEpilogue(bbias, along, activation, 0.2f));
                                using var product = Upload(c0);
                                Cpu.Gemm(ta, tb, m, n, k, 1.5f, ba, 0, lda, 0, bb, 0, ldb, 0, beta, product, 0, n, 0);
                                using var biased = Cpu.Allocate(m * n);
                                Cpu.Binary(BinaryOp.Add, product, [n, 1], bbias, along == GemmBias.PerRow ? [1, 0] : [0, 1], biased, [m, n]);
                                if (op is { } unary) Cpu.Unary(unary, biased, biased, m * n, 0.2f);
                                var expected = Download(biased, m * n);
                                var actual = Download(fused, m * n);
                                for (int i = 0; i < m * n; i++)
                                    Assert.True(expected[i].Equals(actual[i]),
                                        $"{m}x{n}x{k} {along} {activation} ta={ta} tb={tb} threads={threads}: C[{i}] = {actual[i]}, unfused {expected[i]}");
                            }
                            finally { CpuParallel.Threads = Environment.ProcessorCount; }
                        }
        }
    }

    /// <summary>PassPositive, the activations' backward: a where b &gt; 0 (not at 0), α·a elsewhere, b broadcast along rows.</summary>
    [Theory]
    [InlineData(0f)]
    [InlineData(0.2f)]
    public void Pass_positive_passes_a_where_b_is_positive_and_scales_it_elsewhere(float alpha)
    {
        var a = Random(3 * 19, 1);
        var b = Random(19, 2);
        b[4] = 0f;
        using var ba = Upload(a);
        using var bb = Upload(b);
        using var y = Cpu.Allocate(3 * 19);
        Cpu.Binary(BinaryOp.PassPositive, ba, [19, 1], bb, [0, 1], y, [3, 19], alpha);
        var result = Download(y, 3 * 19);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 19; j++)
                Assert.Equal(b[j] > 0 ? a[i * 19 + j] : alpha * a[i * 19 + j], result[i * 19 + j]);
        Assert.Contains(b, v => v > 0);
        Assert.Contains(b, v => v < 0);
    }

    /// <summary>
    /// A panel's last rows (m mod 12, or m mod 6 without AVX-512) go through a kernel of their own
    /// height; each of their elements is the same sum, to the bit, as when the rows are part of a
    /// whole tile (the same product with more rows of A below them). One and two slabs of k.
    /// </summary>
    [Theory]
    [InlineData(200)]
    [InlineData(300)]
    public void A_panels_last_rows_sum_as_in_a_whole_tile(int k)
    {
        const int n = 64, whole = 36;
        var a = Random(whole * k, 1);
        var b = Random(k * n, 2);
        using var ba = Upload(a);
        using var bb = Upload(b);
        foreach (int threads in new[] { 1, 2 })
        {
            CpuParallel.Threads = threads;
            try
            {
                using var full = Cpu.Allocate(whole * n);
                Cpu.Gemm(false, false, whole, n, k, 1f, ba, 0, k, 0, bb, 0, n, 0, 0f, full, 0, n, 0);
                var expected = Download(full, whole * n);
                for (int m = 25; m < whole; m++)
                {
                    using var part = Cpu.Allocate(m * n);
                    Cpu.Gemm(false, false, m, n, k, 1f, ba, 0, k, 0, bb, 0, n, 0, 0f, part, 0, n, 0);
                    var actual = Download(part, m * n);
                    for (int i = 0; i < m * n; i++)
                        Assert.True(expected[i].Equals(actual[i]), $"m={m} k={k} threads={threads}: C[{i / n},{i % n}] = {actual[i]:R}, in a whole tile {expected[i]:R}");
                }
            }
            finally { CpuParallel.Threads = Environment.ProcessorCount; }
        }
    }

    [Fact]
    public void Gemm_with_beta_zero_ignores_garbage_in_C()
    {
        var a = Upload(Random(6 * 8, 1));
        var b = Upload(Random(8 * 20, 2));
        var c = Upload(Enumerable.Repeat(float.NaN, 6 * 20).ToArray());
        Cpu.Gemm(false, false, 6, 20, 8, 1f, a, 0, 8, 0, b, 0, 20, 0, 0f, c, 0, 20, 0);
        Assert.All(Download(c, 6 * 20), v => Assert.False(float.IsNaN(v)));
    }

    [Fact]
    public void Batched_gemm_multiplies_each_matrix()
    {
        int batch = 3, m = 5, n = 4, k = 6;
        var a = Random(batch * m * k, 1);
        var b = Random(batch * k * n, 2);
        var c = Cpu.Allocate(batch * m * n);
        using (var ba = Upload(a))
        using (var bb = Upload(b))
            Cpu.Gemm(false, false, m, n, k, 1f, ba, 0, k, m * k, bb, 0, n, k * n, 0f, c, 0, n, m * n, batch);
        var result = Download(c, batch * m * n);
        for (int t = 0; t < batch; t++)
        {
            var expected = new float[m * n];
            ReferenceGemm.Multiply(false, false, m, n, k, 1f, a.AsSpan(t * m * k), k, b.AsSpan(t * k * n), n, 0f, expected, n);
            for (int i = 0; i < m * n; i++) Assert.Equal(expected[i], result[t * m * n + i], 4);
        }
    }

    /// <summary>
    /// A product with one or two columns takes four rows at a time; each dot is summed in the order
    /// of the one-row loop, so a row computed alone (m = 1) is the same to the bit.
    /// </summary>
    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 300)]
    [InlineData(2, 13)]
    public void Four_rows_at_a_time_give_each_row_as_alone_to_the_bit(int n, int k)
    {
        const int m = 11;
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        using var ba = Upload(a);
        using var bb = Upload(b);
        using var together = Upload(new float[m * n]);
        Cpu.Gemm(false, false, m, n, k, 1f, ba, 0, k, 0, bb, 0, n, 0, 0f, together, 0, n, 0);
        var all = Download(together, m * n);
        for (int i = 0; i < m; i++)
        {
            using var row = Upload(a.AsSpan(i * k, k).ToArray());
            using var alone = Upload(new float[n]);
            Cpu.Gemm(false, false, 1, n, k, 1f, row, 0, k, 0, bb, 0, n, 0, 0f, alone, 0, n, 0);
            Assert.Equal(all.AsSpan(i * n, n).ToArray(), Download(alone, n));
        }
    }

    /// <summary>
    /// A product with few rows combines rows of B, two rows of C (or one) at a time in blocks held in
    /// registers; every element still gets, p after p, a fused multiply-add (a multiply then an add in
    /// the last n mod 8 columns, as the row-at-a-time loop did) — emulated here element by element.
    /// </summary>
    [Theory]
    [InlineData(1, 130, 7)]
    [InlineData(2, 45, 9)]
    [InlineData(3, 70, 5)]
    [InlineData(4, 200, 3)]
    [InlineData(9, 37, 1)] // k ≤ 4: row after row, no register blocks
    [InlineData(13, 130, 2)]
    [InlineData(7, 300, 4)]
    [InlineData(6, 5, 2)]
    public void Rows_combined_in_register_blocks_give_the_row_at_a_time_result_to_the_bit(int m, int n, int k)
    {
        const float alpha = 1.5f;
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        using var ba = Upload(a);
        using var bb = Upload(b);
        using var bc = Upload(new float[m * n]);
        Cpu.Gemm(false, false, m, n, k, alpha, ba, 0, k, 0, bb, 0, n, 0, 0f, bc, 0, n, 0);
        var c = Download(bc, m * n);
        int vectorPart = n - n % 8;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float y = 0f;
                for (int p = 0; p < k; p++)
                {
                    float s = alpha * a[i * k + p];
                    y = j < vectorPart ? MathF.FusedMultiplyAdd(s, b[p * n + j], y) : y + s * b[p * n + j];
                }
                Assert.True(BitConverter.SingleToInt32Bits(y) == BitConverter.SingleToInt32Bits(c[i * n + j]), $"{m}x{n}x{k}: C[{i},{j}] = {c[i * n + j]:R}, expected {y:R}");
            }
    }

    /// <summary>
    /// A buffer read as op(B) by several products keeps its packing (<see cref="PackedB"/>) and
    /// uses it only while the buffer is unwritten: before and after each kind of write — an upload,
    /// a kernel writing it in place, a fill of part of it, a product writing it as C — every product
    /// is, to the bit, the one a fresh buffer of the same contents gives (a fresh buffer is asked
    /// once and keeps nothing), on 2 threads (the shared packing) and 1 (the blocked product: with
    /// n = 3,100 in two column blocks) in turn, each reading what the other packed. The two
    /// packings kept (op(B) = W and Wᵀ, as a layer's backward and forward read its weight) and a
    /// third (a view at an offset) replace one another without mixing. The buffer's count of
    /// products that read a kept packing shows each packing reused, and packed again after each write.
    /// </summary>
    [Theory]
    [InlineData(300)]
    [InlineData(3100)]
    public void A_kept_packing_of_B_is_used_only_while_B_is_unwritten(int n)
    {
        const int m = 20, k = 300; // two k slabs (256 + 44) and a partial last panel
        int length = k * n + 8;
        var contents = Random(length, 5); // what the buffer holds, kept here: a download counts as a write
        using var w = Upload(contents);
        using var a = Upload(Random(m * k, 6));
        using var c = Cpu.Allocate(m * n);
        var weight = (CpuBuffer)w;
        void Check(bool transB, int offset, int threads, string when)
        {
            CpuParallel.Threads = threads;
            try
            {
                Cpu.Gemm(false, transB, m, n, k, 1f, a, 0, k, 0, w, offset, transB ? k : n, 0, 0f, c, 0, n, 0);
                var product = Download(c, m * n);
                using var fresh = Upload(contents);
                Cpu.Gemm(false, transB, m, n, k, 1f, a, 0, k, 0, fresh, offset, transB ? k : n, 0, 0f, c, 0, n, 0);
                var expected = Download(c, m * n);
                for (int i = 0; i < m * n; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(product[i]),
                        $"{threads} thread(s), {(transB ? "nt" : "nn")} at {offset}, {when}: C[{i / n},{i % n}] = {product[i]}, a fresh buffer gives {expected[i]}");
            }
            finally { CpuParallel.Threads = Environment.ProcessorCount; }
        }
        // Twelve products, both layouts on 2 and 1 threads three times: after a write the first of
        // each layout packs and the other ten read what it packed.
        void Reads(string when, int reused)
        {
            long before = weight.KeptPackingReads;
            for (int i = 0; i < 3; i++)
                foreach (int threads in new[] { 2, 1 })
                {
                    Check(true, 0, threads, $"{when}, read {i + 1}");
                    Check(false, 0, threads, $"{when}, read {i + 1}");
                }
            Assert.Equal(reused, weight.KeptPackingReads - before);
        }
        Reads("as uploaded", 9); // the buffer's first product packs into scratch: it keeps nothing yet
        Check(false, 8, 2, "a third packing");
        Reads("after a third packing", 10);

        contents = Random(length, 7);
        Cpu.Upload(contents, w);
        Reads("after an upload", 10);

        Cpu.Binary(BinaryOp.Add, w, [1], w, [1], w, [length]);
        for (int i = 0; i < length; i++) contents[i] += contents[i];
        Reads("after a kernel wrote it", 10);

        Cpu.Fill(w, 1000, 0.5f);
        Array.Fill(contents, 0.5f, 0, 1000);
        Reads("after a fill of its start", 10);

        using var x = Upload(Random(k * 3, 8));
        using var y = Upload(Random(3 * n, 9));
        Cpu.Gemm(false, false, k, n, 3, 1f, x, 0, 3, 0, y, 0, n, 0, 0f, w, 0, n, 0);
        contents = Download(w, length);
        Reads("after a product wrote it", 10);
    }

    /// <summary>
    /// Kept packings live within a budget (<see cref="PackedB.BudgetBytes"/>): at 0 bytes a weight
    /// read by product after product keeps nothing — every product packs as before and gives the
    /// same bits — and with the budget back the same weight keeps its packing.
    /// </summary>
    [Fact]
    public void No_packing_is_kept_beyond_the_budget()
    {
        const int m = 20, n = 300, k = 300;
        using var w = Upload(Random(k * n, 10));
        using var a = Upload(Random(m * k, 11));
        using var c = Cpu.Allocate(m * n);
        var weight = (CpuBuffer)w;
        float[] Product()
        {
            Cpu.Gemm(false, true, m, n, k, 1f, a, 0, k, 0, w, 0, k, 0, 0f, c, 0, n, 0);
            return Download(c, m * n);
        }
        long budget = PackedB.BudgetBytes;
        PackedB.BudgetBytes = 0;
        float[] first;
        try
        {
            first = Product();
            for (int i = 0; i < 3; i++) Assert.Equal(first, Product());
            Assert.Equal(0, weight.KeptPackingReads);
        }
        finally { PackedB.BudgetBytes = budget; }
        for (int i = 0; i < 3; i++) Assert.Equal(first, Product());
        Assert.True(weight.KeptPackingReads > 0, "with the budget back, the weight keeps its packing");
    }

    private static void CheckGemm(int m, int n, int k, bool ta, bool tb, float alpha, float beta)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c0 = Random(m * n, 3);
        int lda = ta ? m : k, ldb = tb ? k : n;
        using var ba = Upload(a);
        using var bb = Upload(b);
        using var bc = Upload(c0);
        Cpu.Gemm(ta, tb, m, n, k, alpha, ba, 0, lda, 0, bb, 0, ldb, 0, beta, bc, 0, n, 0);
        var c = Download(bc, m * n);
        var expected = (float[])c0.Clone();
        ReferenceGemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, n);
        for (int i = 0; i < m * n; i++)
            Assert.True(Math.Abs(expected[i] - c[i]) <= 1e-4 * (1 + Math.Sqrt(k)),
                $"{m}x{n}x{k} ta={ta} tb={tb}: C[{i / n},{i % n}] = {c[i]}, expected {expected[i]}");
    }

    /// <summary>
    /// The thin paths that combine rows of op(B) (m or k at most 4, C's rows contiguous) — 128 columns
    /// at a time in AVX-512's registers where it has them, 64 or 32 in AVX2's, the rest vector by
    /// vector — give every element of C the scalar loop's operations in its order: β·C (or 0), then
    /// one fused multiply-add of α·A[i,p] and B[p,j] per p, except the last n mod 8 columns, where the
    /// multiply and the add are rounded apart. So the bits do not depend on the tile width, nor on the
    /// machine's vector registers.
    /// </summary>
    [Theory]
    [InlineData(1, 300, 40)]
    [InlineData(2, 300, 40)]
    [InlineData(3, 300, 40)]
    [InlineData(2, 136, 3)]
    [InlineData(5, 520, 1)]
    [InlineData(2, 20, 17)]
    public void Thin_row_combinations_add_in_the_scalar_loops_order(int m, int n, int k)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c0 = Random(m * n, 3);
        using var bb = Upload(b);
        foreach (bool ta in new[] { false, true })
            foreach (float beta in new[] { 0f, 0.5f, 1f })
            {
                int lda = ta ? m : k;
                using var ba = Upload(ta ? Transpose(a, m, k) : a);
                using var bc = Upload(c0);
                Cpu.Gemm(ta, false, m, n, k, 1.5f, ba, 0, lda, 0, bb, 0, n, 0, beta, bc, 0, n, 0);
                var c = Download(bc, m * n);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        float e = beta == 0f ? 0f : beta == 1f ? c0[i * n + j] : beta * c0[i * n + j];
                        bool fused = j < n - n % 8;
                        for (int p = 0; p < k; p++)
                        {
                            float s = 1.5f * a[i * k + p];
                            e = fused ? MathF.FusedMultiplyAdd(s, b[p * n + j], e) : e + s * b[p * n + j];
                        }
                        Assert.True(e.Equals(c[i * n + j]), $"{m}x{n}x{k} ta={ta} beta={beta}: C[{i},{j}] = {c[i * n + j]}, the scalar loop {e}");
                    }
            }
    }

    /// <summary>
    /// The thin dot products (C with 1 or 2 columns, op(A)'s rows contiguous) — eight or six rows at a
    /// time, then four, then one — give every element of C one row's order: eight lanes of fused
    /// multiply-adds over k in steps of 8, the lanes summed, the last k mod 8 products added one by
    /// one, then α·dot + β·C. So the bits do not depend on which block a row falls in. Rows 1–15 and
    /// 37 cover every mix of blocks; k = 77 leaves a remainder.
    /// </summary>
    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 77)]
    [InlineData(1, 77)]
    [InlineData(2, 8)]
    public void Thin_dots_sum_each_row_in_one_rows_order(int n, int k)
    {
        foreach (int m in Enumerable.Range(1, 15).Append(37))
        {
            var a = Random(m * k, 1);
            var b = Random(k * n, 2);
            var c0 = Random(m * n, 3);
            using var ba = Upload(a);
            using var bb = Upload(b);
            using var bc = Upload(c0);
            Cpu.Gemm(false, false, m, n, k, 1.5f, ba, 0, k, 0, bb, 0, n, 0, 0.5f, bc, 0, n, 0);
            var c = Download(bc, m * n);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    var sum = System.Runtime.Intrinsics.Vector256<float>.Zero;
                    int p = 0;
                    for (; p <= k - 8; p += 8)
                    {
                        var column = System.Runtime.Intrinsics.Vector256.Create(Enumerable.Range(p, 8).Select(q => b[q * n + j]).ToArray());
                        sum = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(System.Runtime.Intrinsics.Vector256.Create(a, i * k + p), column, sum);
                    }
                    float dot = System.Runtime.Intrinsics.Vector256.Sum(sum);
                    for (; p < k; p++) dot += a[i * k + p] * b[p * n + j];
                    float e = 1.5f * dot + 0.5f * c0[i * n + j];
                    Assert.True(e.Equals(c[i * n + j]), $"{m}x{n}x{k}: C[{i},{j}] = {c[i * n + j]}, one row's order {e}");
                }
        }
    }

    /// <summary>
    /// An elementwise kernel split over threads gives the bits of one thread: its chunks start at
    /// multiples of 8, so no element falls to the scalar loop (MathF.Exp) that one thread's 8-lane
    /// loop (Vector256.Exp, which rounds differently) computes. 65,548 elements on 2 threads once
    /// split at 32,774.
    /// </summary>
    [Theory]
    [InlineData(65_548)]
    [InlineData(200_003)]
    public void Exp_over_threads_gives_one_threads_bits(int n)
    {
        var x = Random(n, 4).Select(v => 8f * v).ToArray();
        using var bx = Upload(x);
        var results = new List<float[]>();
        foreach (int threads in new[] { 1, 2 })
        {
            CpuParallel.Threads = threads;
            try
            {
                using var y = Upload(new float[n]);
                Cpu.Unary(UnaryOp.Exp, bx, y, n);
                results.Add(Download(y, n));
            }
            finally { CpuParallel.Threads = Environment.ProcessorCount; }
        }
        for (int i = 0; i < n; i++)
            Assert.True(results[0][i].Equals(results[1][i]), $"exp(x[{i}]): 1 thread {results[0][i]:R}, 2 threads {results[1][i]:R}");
    }

    /// <summary>The thin products of a toy GAN step (a layer of 1 or 2 units, its gradients) give the same bits on 1 and 2 threads.</summary>
    [Theory]
    [InlineData(256, 2, 512, false, false)]
    [InlineData(256, 2, 512, false, true)]
    [InlineData(256, 1, 512, false, true)]
    [InlineData(512, 2, 256, true, false)]
    [InlineData(2, 512, 256, true, false)]
    [InlineData(1, 512, 256, true, false)]
    [InlineData(256, 512, 2, false, true)]
    [InlineData(256, 512, 1, false, false)]
    public void Thin_products_have_the_same_bits_on_one_and_two_threads(int m, int n, int k, bool ta, bool tb)
    {
        using var ba = Upload(Random(m * k, 1));
        using var bb = Upload(Random(k * n, 2));
        float[] Product(int threads)
        {
            CpuParallel.Threads = threads;
            try
            {
                using var bc = Upload(Random(m * n, 3));
                Cpu.Gemm(ta, tb, m, n, k, 1.5f, ba, 0, ta ? m : k, 0, bb, 0, tb ? k : n, 0, 0.5f, bc, 0, n, 0);
                return Download(bc, m * n);
            }
            finally { CpuParallel.Threads = Environment.ProcessorCount; }
        }
        var one = Product(1);
        var two = Product(2);
        for (int i = 0; i < m * n; i++)
            Assert.True(one[i].Equals(two[i]), $"{m}x{n}x{k} ta={ta} tb={tb}: C[{i}] = {one[i]} on 1 thread, {two[i]} on 2");
    }

    private static float[] Transpose(float[] x, int rows, int cols)
    {
        var t = new float[x.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        return t;
    }

    /// <summary>The reference itself, on numbers small enough to multiply by hand.</summary>
    [Fact]
    public void The_reference_gemm_gives_hand_computed_products()
    {
        float[] a = [1, 2, 3, 4];   // [[1, 2], [3, 4]]
        float[] b = [5, 6, 7, 8];   // [[5, 6], [7, 8]]
        float[] Product(bool ta, bool tb, float alpha = 1, float beta = 0, float[]? c = null, float[]? bias = null,
                        GemmBias along = GemmBias.PerColumn, GemmActivation act = GemmActivation.None, float slope = 0)
        {
            c ??= [float.NaN, float.NaN, float.NaN, float.NaN]; // β = 0 must not read them
            ReferenceGemm.Multiply(ta, tb, 2, 2, 2, alpha, a, 2, b, 2, beta, c, 2, bias, along, act, slope);
            return c;
        }
        Assert.Equal([19f, 22, 43, 50], Product(false, false));               // A·B
        Assert.Equal([26f, 30, 38, 44], Product(true, false));                // Aᵀ·B
        Assert.Equal([17f, 23, 39, 53], Product(false, true));                // A·Bᵀ
        Assert.Equal([23f, 31, 34, 46], Product(true, true));                 // Aᵀ·Bᵀ
        Assert.Equal([39f, 45, 87, 101], Product(false, false, 2, 0.5f, [2, 2, 2, 2]));
        Assert.Equal([29f, 42, 53, 70], Product(false, false, bias: [10, 20]));                    // per column
        Assert.Equal([29f, 32, 63, 70], Product(false, false, bias: [10, 20], along: GemmBias.PerRow));
        Assert.Equal([0f, 2, 0, 5], Product(false, false, bias: [-20, -45], along: GemmBias.PerRow, act: GemmActivation.Relu));
        Assert.Equal([-0.5f, -9, 23, 10], Product(false, false, bias: [-20, -40], act: GemmActivation.LeakyRelu, slope: 0.5f));
    }

    [Theory]
    [InlineData(new[] { 3, 5 }, new[] { 3, 5 })]
    [InlineData(new[] { 4, 37 }, new[] { 37 })]
    [InlineData(new[] { 6, 1 }, new[] { 1, 9 })]
    [InlineData(new[] { 2, 3, 1, 5 }, new[] { 3, 4, 1 })]
    [InlineData(new int[0], new[] { 11 })]
    public void Binary_broadcasts_like_numpy(int[] aShape, int[] bShape)
    {
        var shape = Shapes.Broadcast(aShape, bShape, "test");
        var a = Random(Math.Max(1, Shapes.Count(aShape)), 1);
        var b = Random(Shapes.Count(bShape), 2).Select(v => v + 3f).ToArray(); // away from 0 for division
        var aStrides = Shapes.BroadcastStrides(aShape, shape);
        var bStrides = Shapes.BroadcastStrides(bShape, shape);
        int n = Shapes.Count(shape);
        using var ba = Upload(a);
        using var bb = Upload(b);
        foreach (var (op, f) in new (BinaryOp, Func<float, float, float>)[]
                 {
                     (BinaryOp.Add, (x, y) => x + y), (BinaryOp.Sub, (x, y) => x - y), (BinaryOp.Mul, (x, y) => x * y),
                     (BinaryOp.Div, (x, y) => x / y), (BinaryOp.Greater, (x, y) => x > y ? 1 : 0), (BinaryOp.Equal, (x, y) => x == y ? 1 : 0),
                 })
        {
            using var y = Cpu.Allocate(n);
            Cpu.Binary(op, ba, aStrides, bb, bStrides, y, shape);
            var result = Download(y, n);
            var index = new int[shape.Length];
            for (int i = 0; i < n; i++)
            {
                int rem = i, oa = 0, ob = 0;
                for (int d = shape.Length - 1; d >= 0; d--)
                {
                    int idx = rem % shape[d];
                    rem /= shape[d];
                    oa += idx * aStrides[d];
                    ob += idx * bStrides[d];
                }
                Assert.Equal(f(a[oa], b[ob]), result[i]);
            }
        }
    }

    [Theory]
    [InlineData(1, 37, 1)]
    [InlineData(5, 100, 1)]
    [InlineData(3, 7, 13)]
    [InlineData(1, 1, 9)]
    public void Reduce_sum_and_max_along_the_middle_axis(int outer, int extent, int inner)
    {
        var x = Random(outer * extent * inner, 4);
        using var bx = Upload(x);
        using var sum = Cpu.Allocate(outer * inner);
        using var max = Cpu.Allocate(outer * inner);
        Cpu.Reduce(ReduceOp.Sum, bx, sum, outer, extent, inner);
        Cpu.Reduce(ReduceOp.Max, bx, max, outer, extent, inner);
        var s = Download(sum, outer * inner);
        var mx = Download(max, outer * inner);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                var column = Enumerable.Range(0, extent).Select(e => x[(o * extent + e) * inner + i]).ToArray();
                Assert.Equal(column.Sum(v => (double)v), s[o * inner + i], 4);
                Assert.Equal(column.Max(), mx[o * inner + i]);
            }
    }

    [Fact]
    public void Copy_transposes_through_strides()
    {
        var x = Random(2 * 3 * 4, 5);
        using var bx = Upload(x);
        using var y = Cpu.Allocate(24);
        // y[k, j, i] = x[i, j, k]: read x with its strides permuted.
        Cpu.Copy(bx, 0, [1, 4, 12], y, 0, [6, 2, 1], [4, 3, 2]);
        var r = Download(y, 24);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    Assert.Equal(x[i * 12 + j * 4 + k], r[k * 6 + j * 2 + i]);
    }

    /// <summary>
    /// Strided copies of every row kind — long rows (block copy, fill, element by element), rows
    /// shorter than a vector walked a tile at a time, the 2× nearest upsampling's pairs with and
    /// without a vector tail, a rank-1 row — against an element-by-element walk of the shape, on
    /// one and two threads (two threads split the rows or tiles, each starting mid-walk).
    /// </summary>
    [Theory]
    [InlineData(new[] { 2, 3, 5, 2, 5, 2 }, new[] { 75, 25, 5, 0, 1, 0 }, 1)]         // 2× nearest upsampling, width 5: one vector of four, one tail
    [InlineData(new[] { 50, 8, 14, 2, 14, 2 }, new[] { 1568, 196, 14, 0, 1, 0 }, 0)]  // the generator's 14 → 28, every tile split across threads
    [InlineData(new[] { 3, 4, 7, 3, 7, 3 }, new[] { 196, 49, 7, 0, 1, 0 }, 2)]       // 3× upsampling: short rows, not pairs
    [InlineData(new[] { 4, 5, 3 }, new[] { 1, 4, 20 }, 0)]                           // rows of 3 read across a transposed source
    [InlineData(new[] { 6, 9, 2 }, new[] { 0, 2, 1 }, 5)]                            // rows of 2, broadcast along the outer axis
    [InlineData(new[] { 3 }, new[] { 2 }, 1)]                                        // one short row
    [InlineData(new[] { 7, 40 }, new[] { 1, 7 }, 0)]                                 // a transpose: long rows element by element
    [InlineData(new[] { 5, 33 }, new[] { 1, 0 }, 0)]                                 // long rows of one value (fill)
    [InlineData(new[] { 6, 300, 4, 20 }, new[] { 24000, 80, 20, 1 }, 3)]               // long contiguous rows from an offset
    public void Copy_matches_an_element_by_element_walk(int[] shape, int[] srcStrides, int srcOffset)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        int srcLength = srcOffset + 1 + shape.Select((e, i) => (e - 1) * srcStrides[i]).Sum();
        var x = Random(srcLength, 31);
        var dstStrides = StridedShape.Contiguous(shape);
        var expected = new float[count];
        var index = new int[shape.Length];
        for (int n = 0; n < count; n++)
        {
            int from = srcOffset, to = 0;
            for (int a = 0; a < shape.Length; a++) (from, to) = (from + index[a] * srcStrides[a], to + index[a] * dstStrides[a]);
            expected[to] = x[from];
            for (int a = shape.Length - 1; a >= 0 && ++index[a] == shape[a]; a--) index[a] = 0;
        }
        using var bx = Upload(x);
        foreach (int threads in new[] { 1, 2 })
        {
            CpuParallel.Threads = threads;
            try
            {
                using var y = Cpu.Allocate(count);
                Cpu.Copy(bx, srcOffset, srcStrides, y, 0, dstStrides, shape);
                Assert.Equal(expected, Download(y, count));
            }
            finally
            {
                CpuParallel.Threads = Environment.ProcessorCount;
            }
        }
    }

    /// <summary>A row cursor started at any row and stepped to the end visits the rows where the divisions of <see cref="RowLayout.Offsets"/> put them.</summary>
    [Fact]
    public void Row_cursor_steps_through_the_offsets_of_every_row()
    {
        foreach (var (shape, s1, s2) in new (int[], int[], int[])[]
        {
            ([2, 3, 4, 5], [60, 20, 5, 1], [1, 2, 6, 24]),
            ([3, 1, 4, 2, 5], [0, 7, 1, 40, 8], [40, 40, 10, 5, 1]),
            ([6], [3], [1]),
            ([4, 3], [3, 1], [1, 4]),
        })
        {
            var layout = StridedShape.Rows(shape, s1, s2);
            foreach (int start in new[] { 0, 1, layout.Count / 2, layout.Count - 1 })
            {
                var cursor = layout.Cursor(start);
                for (int row = start; row < layout.Count; row++, cursor.Next())
                    Assert.Equal(layout.Offsets(row), (cursor.First, cursor.Second));
            }
        }
    }

    [Theory]
    [InlineData(UnaryOp.Exp)]
    [InlineData(UnaryOp.Log)]
    [InlineData(UnaryOp.Tanh)]
    [InlineData(UnaryOp.Sigmoid)]
    [InlineData(UnaryOp.Softplus)]
    [InlineData(UnaryOp.Sqrt)]
    [InlineData(UnaryOp.LeakyRelu)]
    [InlineData(UnaryOp.Clamp)]
    [InlineData(UnaryOp.Pow)]
    public void Unary_vector_and_scalar_tails_agree_with_the_math_library(UnaryOp op)
    {
        var x = Random(45, 6).Select(v => op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Pow ? Math.Abs(v) + 0.1f : v * 5).ToArray();
        using var bx = Upload(x);
        using var y = Cpu.Allocate(x.Length);
        Cpu.Unary(op, bx, y, x.Length, 0.3f, 0.7f);
        var r = Download(y, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double expected = op switch
            {
                UnaryOp.Exp => Math.Exp(v),
                UnaryOp.Log => Math.Log(v),
                UnaryOp.Tanh => Math.Tanh(v),
                UnaryOp.Sigmoid => 1 / (1 + Math.Exp(-v)),
                UnaryOp.Softplus => Math.Log(1 + Math.Exp(v)),
                UnaryOp.Sqrt => Math.Sqrt(v),
                UnaryOp.LeakyRelu => v > 0 ? v : 0.3 * v,
                UnaryOp.Clamp => Math.Clamp(v, 0.3, 0.7),
                UnaryOp.Pow => Math.Pow(v, 0.3),
                _ => throw new ArgumentOutOfRangeException(nameof(op)),
            };
            Assert.True(Math.Abs(expected - r[i]) <= 1e-5 * (1 + Math.Abs(expected)), $"{op}({v}) = {r[i]}, expected {expected}");
        }
    }

    /// <summary>Known-answer vectors of Philox 4x32-10 from the Random123 distribution (kat_vectors).</summary>
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Philox_matches_the_published_known_answers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3)
    {
        Philox.Block(c0, c1, c2, c3, k0, k1, out var o0, out var o1, out var o2, out var o3);
        Assert.Equal([r0, r1, r2, r3], new[] { o0, o1, o2, o3 });
    }

    /// <summary>
    /// The CPU draws eight blocks at a time in the lanes of a vector (AVX2); every number must be
    /// the scalar Philox's to the bit: lengths that are no multiple of 8 (a scalar tail), a stream
    /// whose index crosses 2³² inside a group of eight (the counter's high word differs by lane),
    /// a seed with both key words set, on 1 and 2 threads (parts that start off a multiple of 8).
    /// </summary>
    [Theory]
    [InlineData(1003, 42ul, 0ul)]
    [InlineData(70_001, 42ul, 1ul << 33)]
    [InlineData(77, 0x9E3779B97F4A7C15ul, (1ul << 32) - 13)]
    public void Random_numbers_drawn_eight_at_a_time_are_the_scalar_ones(int n, ulong seed, ulong offset)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            CpuParallel.Threads = threads;
            try
            {
                using var u = Cpu.Allocate(n);
                using var z = Cpu.Allocate(n);
                Cpu.Random(u, n, RandomDistribution.Uniform, seed, offset, -2f, 3f);
                Cpu.Random(z, n, RandomDistribution.Normal, seed, offset, 0.5f, 2f);
                var ur = Download(u, n);
                var zr = Download(z, n);
                for (int i = 0; i < n; i++)
                {
                    Assert.True(ur[i].Equals(Philox.Uniform(seed, offset + (ulong)i, -2f, 3f)), $"uniform {i} on {threads} thread(s)");
                    Assert.True(zr[i].Equals(Philox.Normal(seed, offset + (ulong)i, 0.5f, 2f)), $"normal {i} on {threads} thread(s)");
                }
            }
            finally
            {
                CpuParallel.Threads = Environment.ProcessorCount;
            }
        }
    }

    [Fact]
    public void Random_numbers_have_the_asked_moments_and_depend_only_on_seed_and_index()
    {
        int n = 200_000;
        using var u = Cpu.Allocate(n);
        using var z = Cpu.Allocate(n);
        Cpu.Random(u, n, RandomDistribution.Uniform, 42, 0, -1f, 3f);
        Cpu.Random(z, n, RandomDistribution.Normal, 42, 0, 2f, 0.5f);
        var ur = Download(u, n);
        var zr = Download(z, n);
        Assert.All(ur, v => Assert.InRange(v, -1f, 3f));
        Assert.Equal(1.0, ur.Average(), 2);
        Assert.Equal(2.0, zr.Average(), 2);
        double std = Math.Sqrt(zr.Select(v => (v - 2.0) * (v - 2.0)).Average());
        Assert.Equal(0.5, std, 2);
        // Element i of a stream started at offset 100 is element 100 + i of the stream started at 0.
        using var shifted = Cpu.Allocate(10);
        Cpu.Random(shifted, 10, RandomDistribution.Normal, 42, 100, 2f, 0.5f);
        Assert.Equal(zr[100..110], Download(shifted, 10));
    }

    [Fact]
    public void Gather_picks_rows_by_index_and_scatter_add_sums_them_back()
    {
        float[] table = [1, 2, 10, 20, 100, 200]; // 3 rows of 2
        float[] picks = [2, 0, 2, 5, 1.5f];        // the last two are no row of the table
        using var t = Upload(table);
        using var idx = Upload(picks);
        using var y = Cpu.Allocate(10);
        Cpu.Gather(t, idx, y, 5, 3, 2);
        var rows = Download(y, 10);
        Assert.Equal([100f, 200, 1, 2, 100, 200], rows[..6]);
        Assert.All(rows[6..], v => Assert.True(float.IsNaN(v)));

        using var src = Upload([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        using var sums = Upload(Enumerable.Repeat(-9f, 6).ToArray()); // overwritten, not added to
        Cpu.ScatterAdd(src, idx, sums, 5, 3, 2);
        Assert.Equal([2f, 2, 0, 0, 4, 4], Download(sums, 6)); // rows 0 and 2; the invalid picks add nothing
    }
}
