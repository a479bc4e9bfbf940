using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;
using GanFromScratch.Kernels.Cuda;
using static GanFromScratch.Tests.KernelData;

namespace GanFromScratch.Tests;

/// <summary>One ILGPU CPU accelerator (the CUDA kernels, emulated) shared by the tests that need it.</summary>
public sealed class IlgpuFixture : IDisposable
{
    public IlgpuBackend Backend { get; } = IlgpuBackend.OpenCpuEmulator();
    public void Dispose() => Backend.Dispose();
}

/// <summary>
/// Every kernel of the ILGPU backend, run on ILGPU's CPU accelerator (the same kernel code that
/// is compiled for CUDA), against the CPU backend on the same inputs. Small, odd shapes: the
/// emulator is slow, and odd sizes catch tile edges.
/// </summary>
public class IlgpuKernelTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private readonly Backend _gpu = fixture.Backend;
    private static readonly Backend Cpu = CpuBackend.Instance;

    /// <summary>Runs <paramref name="kernel"/> on the CPU and on <paramref name="gpu"/> with the same inputs and compares the output.</summary>
    private static void Same(Backend gpu, float[][] inputs, int outputLength, Action<Backend, DeviceBuffer[], DeviceBuffer> kernel, float tolerance = 1e-6f, float[]? outputStart = null)
    {
        float[] Run(Backend backend)
        {
            var ins = inputs.Select(x => Up(backend, x)).ToArray();
            var y = Up(backend, outputStart ?? new float[outputLength]);
            kernel(backend, ins, y);
            return Down(backend, y, outputLength);
        }
        var expected = Run(Cpu);
        var actual = Run(gpu);
        for (int i = 0; i < outputLength; i++)
        {
            bool ok = float.IsNaN(expected[i]) ? float.IsNaN(actual[i])
                : float.IsInfinity(expected[i]) ? expected[i] == actual[i]
                : Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(ok, $"element {i}: cpu {expected[i]}, ilgpu {actual[i]}");
        }
    }

    [Fact]
    public void Fill_arange_and_the_random_streams_agree() => Fill_arange_and_the_random_streams_agree_on(_gpu);

    internal static void Fill_arange_and_the_random_streams_agree_on(Backend gpu)
    {
        Same(gpu, [], 37, (b, _, y) => b.Fill(y, 37, 2.5f));
        Same(gpu, [], 37, (b, _, y) => b.Arange(y, 37, -1f, 0.25f));
        Same(gpu, [], 1001, (b, _, y) => b.Random(y, 1001, RandomDistribution.Uniform, 42, 7, -2f, 3f));
        Same(gpu, [], 1001, (b, _, y) => b.Random(y, 1001, RandomDistribution.Normal, 42, 1UL << 33, 0.5f, 2f), tolerance: 1e-5f);
    }

    public static TheoryData<UnaryOp> UnaryOps() => [.. Enum.GetValues<UnaryOp>()];

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_ops_agree(UnaryOp op) => Unary_ops_agree_on(_gpu, op);

    internal static void Unary_ops_agree_on(Backend gpu, UnaryOp op)
    {
        bool positive = op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Pow;
        var x = Random(203, (int)op, positive ? 0.1f : -6f, 6f);
        x[0] = 0; // sign, relu and masks at exactly zero
        (float a, float b) = op switch
        {
            UnaryOp.LeakyRelu => (0.2f, 0f),
            UnaryOp.Pow => (1.7f, 0f),
            UnaryOp.Clamp or UnaryOp.InRange => (-0.5f, 0.75f),
            UnaryOp.Affine => (1.5f, -0.25f),
            UnaryOp.GreaterThan => (0.3f, 0f),
            _ => (0f, 0f),
        };
        Same(gpu, [x], x.Length, (be, i, y) => be.Unary(op, i[0], y, x.Length, a, b), tolerance: 2e-6f);
    }

    [Theory]
    [InlineData(BinaryOp.Add)]
    [InlineData(BinaryOp.Sub)]
    [InlineData(BinaryOp.Mul)]
    [InlineData(BinaryOp.Div)]
    [InlineData(BinaryOp.Equal)]
    [InlineData(BinaryOp.Greater)]
    public void Broadcasting_binary_ops_agree(BinaryOp op) => Broadcasting_binary_ops_agree_on(_gpu, op);

    internal static void Broadcasting_binary_ops_agree_on(Backend gpu, BinaryOp op)
    {
        // [3, 5, 7] op [5, 1]: b broadcasts along the first and last axes.
        var a = Random(105, 1);
        var b = Random(5, 2);
        b[1] = a[7]; // one equal pair for Equal
        int[] shape = [3, 5, 7];
        Same(gpu, [a, b], 105, (be, i, y) => be.Binary(op, i[0], [35, 7, 1], i[1], [0, 1, 0], y, shape));
    }

    [Fact]
    public void Where_copy_and_reductions_agree() => Where_copy_and_reductions_agree_on(_gpu);

    internal static void Where_copy_and_reductions_agree_on(Backend gpu)
    {
        var cond = Random(50, 3).Select(v => v > 0 ? 1f : 0f).ToArray();
        var a = Random(50, 4);
        var b = Random(50, 5);
        Same(gpu, [cond, a, b], 50, (be, i, y) => be.Where(i[0], i[1], i[2], y, 50));
        // A transposing copy of a [6, 7] matrix from offset 3, and a scalar-shaped copy.
        var src = Random(45, 6);
        Same(gpu, [src], 42, (be, i, y) => be.Copy(i[0], 3, [1, 7], y, 0, [6, 1], [7, 6]));
        Same(gpu, [src], 1, (be, i, y) => be.Copy(i[0], 5, [], y, 0, [], []));
        var x = Random(4 * 9 * 5, 7);
        Same(gpu, [x], 20, (be, i, y) => be.Reduce(ReduceOp.Sum, i[0], y, 4, 9, 5), tolerance: 1e-5f);
        Same(gpu, [x], 20, (be, i, y) => be.Reduce(ReduceOp.Max, i[0], y, 4, 9, 5));
        // Long rows take the group-per-output kernel (shared-memory halving).
        var rows = Random(3 * 301 * 2, 8);
        Same(gpu, [rows], 6, (be, i, y) => be.Reduce(ReduceOp.Sum, i[0], y, 3, 301, 2), tolerance: 1e-5f);
        Same(gpu, [rows], 6, (be, i, y) => be.Reduce(ReduceOp.Max, i[0], y, 3, 301, 2));
        Same(gpu, [rows], 1, (be, i, y) => be.Reduce(ReduceOp.Sum, i[0], y, 1, rows.Length, 1), tolerance: 1e-5f);
    }

    [Theory]
    [InlineData(1, 1, 1, false, false)]
    [InlineData(17, 33, 19, false, false)]
    [InlineData(17, 33, 19, false, true)]
    [InlineData(17, 33, 19, true, false)]
    [InlineData(17, 33, 19, true, true)]
    [InlineData(40, 2, 37, false, true)]
    [InlineData(3, 50, 1, true, false)]
    public void Gemm_agrees_for_every_transpose_and_tile_edge(int m, int n, int k, bool transA, bool transB) => Gemm_agrees_for_every_transpose_and_tile_edge_on(_gpu, m, n, k, transA, transB);

    internal static void Gemm_agrees_for_every_transpose_and_tile_edge_on(Backend gpu, int m, int n, int k, bool transA, bool transB)
    {
        const int batch = 2;
        var a = Random(batch * m * k, 8);
        var b = Random(batch * k * n, 9);
        var c0 = Random(batch * m * n, 10);
        int lda = transA ? m : k, ldb = transB ? k : n;
        Same(gpu, [a, b], batch * m * n, (be, i, y) => be.Gemm(transA, transB, m, n, k, 1f, i[0], 0, lda, (long)m * k, i[1], 0, ldb, (long)k * n,
            0f, y, 0, n, (long)m * n, batch), tolerance: 1e-5f);
        // α and β, with C read back in.
        Same(gpu, [a, b], batch * m * n, (be, i, y) => be.Gemm(transA, transB, m, n, k, 0.5f, i[0], 0, lda, (long)m * k, i[1], 0, ldb, (long)k * n,
            -2f, y, 0, n, (long)m * n, batch), tolerance: 1e-5f, outputStart: c0);
    }

    [Fact]
    public void Optimizer_updates_agree() => Optimizer_updates_agree_on(_gpu);

    internal static void Optimizer_updates_agree_on(Backend gpu)
    {
        var p = Random(77, 11);
        var g = Random(77, 12);
        var s = Random(77, 13, 0f, 1f);
        var m = Random(77, 14);
        // The parameter is the output buffer (updated in place); state buffers are inputs updated in place too.
        Same(gpu, [g, s], 77, (be, i, y) => be.SgdUpdate(y, i[0], i[1], 77, 0.1f, 0.9f, 0.01f), outputStart: p);
        Same(gpu, [g, s], 77, (be, i, y) => be.RmsPropUpdate(y, i[0], i[1], 77, 0.01f, 0.99f, 1e-8f, 0.1f), tolerance: 2e-6f, outputStart: p);
        Same(gpu, [g, m, s], 77, (be, i, y) => be.AdamUpdate(y, i[0], i[1], i[2], 77, 1e-3f, 0.5f, 0.9f, 1e-8f, 0.01f, 0.75f, 0.19f),
            tolerance: 2e-6f, outputStart: p);
    }

    [Fact]
    public void The_shape_ring_wraps_around_without_corrupting_queued_launches()
    {
        // A ring of 40 ints holds three records of a rank-3 broadcast (10 ints each): the fourth launch wraps.
        using var small = IlgpuBackend.OpenCpuEmulator(metaRingLength: 40);
        var a = Random(24, 21);
        var b = Random(4, 22);
        var expected = new float[24];
        var y = Up(CpuBackend.Instance, new float[24]);
        var ca = Up(CpuBackend.Instance, a);
        var cb = Up(CpuBackend.Instance, b);
        var ga = Up(small, a);
        var gb = Up(small, b);
        var gy = Up(small, new float[24]);
        for (int i = 0; i < 10; i++)
        {
            // y = y·a + b, b broadcast along the first two axes: each launch depends on the one before.
            foreach (var (be, ya, aa, bb) in new[] { ((Backend)CpuBackend.Instance, y, ca, cb), (small, gy, ga, gb) })
            {
                be.Binary(BinaryOp.Mul, ya, [12, 4, 1], aa, [12, 4, 1], ya, [2, 3, 4]);
                be.Binary(BinaryOp.Add, ya, [12, 4, 1], bb, [0, 0, 1], ya, [2, 3, 4]);
            }
        }
        var cpu = Down(CpuBackend.Instance, y, 24);
        var gpu = Down(small, gy, 24);
        for (int i = 0; i < 24; i++) Assert.True(Math.Abs(cpu[i] - gpu[i]) <= 1e-5f * Math.Max(1, Math.Abs(cpu[i])), $"element {i}: cpu {cpu[i]}, ilgpu {gpu[i]}");
    }
}
