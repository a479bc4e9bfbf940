using BenchmarkDotNet.Attributes;
using GanFromScratch.Cli.Bench;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Benchmarks;

/// <summary>
/// The engine's GEMM against OpenBLAS's cblas_sgemm, for the products of a GAN step with
/// 512-wide layers and batch 256 (forward, and both backward transposes), the thin products of
/// the 2-D input and 1-D output layers, and 1024³. OpenBLAS is the baseline: BenchmarkDotNet's
/// Ratio column is gfs over OpenBLAS in time (below 1 means gfs is faster).
/// </summary>
[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    public static IEnumerable<string> Shapes => GemmShape.GanStep.Select(s => $"{s.Size}:{s.Op}");

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "256x512x512:nn";

    [Params(1, 2)]
    public int Threads { get; set; }

    private GemmShape _shape = null!;
    private float[] _a = null!, _b = null!, _c = null!;
    private OpenBlas _blas = null!;

    [GlobalSetup]
    public void Setup()
    {
        _shape = GemmShape.Parse(Shape);
        _blas = OpenBlas.TryLoad(out var problem) ?? throw new InvalidOperationException(problem);
        _blas.Threads = Threads;
        CpuParallel.Threads = Threads;
        var rng = new Random(1);
        _a = GC.AllocateArray<float>(_shape.M * _shape.K, pinned: true);
        _b = GC.AllocateArray<float>(_shape.K * _shape.N, pinned: true);
        _c = GC.AllocateArray<float>(_shape.M * _shape.N, pinned: true);
        for (int i = 0; i < _a.Length; i++) _a[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < _b.Length; i++) _b[i] = (float)rng.NextDouble() - 0.5f;
    }

    private int Lda => _shape.TransA ? _shape.M : _shape.K;
    private int Ldb => _shape.TransB ? _shape.K : _shape.N;

    [Benchmark(Baseline = true)]
    public void OpenBlasSgemm()
    {
        fixed (float* a = _a, b = _b, c = _c)
            _blas.Sgemm(_shape.TransA, _shape.TransB, _shape.M, _shape.N, _shape.K, 1f, a, Lda, b, Ldb, 0f, c, _shape.N);
    }

    [Benchmark]
    public void GfsGemm()
    {
        fixed (float* a = _a, b = _b, c = _c)
            CpuGemm.Multiply(_shape.TransA, _shape.TransB, _shape.M, _shape.N, _shape.K, 1f, a, Lda, b, Ldb, 0f, c, _shape.N);
    }
}
