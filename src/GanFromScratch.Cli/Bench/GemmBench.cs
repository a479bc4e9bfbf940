using GanFromScratch.Kernels;
using System.Diagnostics;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Cli.Bench;

/// <summary>One GEMM problem: C[m×n] = op(A)·op(B), with k the inner dimension.</summary>
public sealed record GemmShape(int M, int N, int K, bool TransA = false, bool TransB = false)
{
    /// <summary>"256x512x512" (m×n×k).</summary>
    public string Size => $"{M}x{N}x{K}";

    /// <summary>"nn", "nt" (A·Bᵀ, a Linear layer's forward), "tn" (Aᵀ·B, its weight gradient).</summary>
    public string Op => $"{(TransA ? 't' : 'n')}{(TransB ? 't' : 'n')}";

    public double Flops => 2.0 * M * N * K;

    /// <summary>The products one step of a GAN with 512-wide layers and batch 256 runs, and 1024³.</summary>
    public static readonly GemmShape[] GanStep =
    [
        new(256, 512, 512),
        new(256, 512, 512, TransB: true),
        new(256, 512, 512, TransA: true),
        new(256, 2, 512),
        new(256, 512, 1),
        new(1024, 1024, 1024),
    ];

    /// <summary>Parses "MxNxK" with an optional ":nt" style suffix.</summary>
    public static GemmShape Parse(string text)
    {
        var parts = text.Split(':');
        var dims = parts[0].Split('x', 'X');
        if (dims.Length != 3 || !dims.All(d => int.TryParse(d, out int v) && v > 0) || parts.Length > 2 ||
            (parts.Length == 2 && parts[1] is not ("nn" or "nt" or "tn" or "tt")))
            throw new FormatException($"'{text}' is not a GEMM shape; write MxNxK, optionally followed by :nn, :nt, :tn or :tt (for example 256x512x512:nt).");
        string op = parts.Length == 2 ? parts[1] : "nn";
        return new GemmShape(int.Parse(dims[0]), int.Parse(dims[1]), int.Parse(dims[2]), op[0] == 't', op[1] == 't');
    }
}

/// <summary>
/// The timings of one shape: medians over rounds in which the two contenders alternate, and the
/// lowest and highest of the rounds' own ratios (gfs's speed over OpenBLAS's in the same round) —
/// how far the machine moved during the run.
/// </summary>
public sealed record GemmResult(GemmShape Shape, double GfsGflops, double? OpenBlasGflops, double MaxDifference,
    (double Low, double High)? RoundRatios = null)
{
    public double? Ratio => OpenBlasGflops is { } o ? GfsGflops / o : null;
}

/// <summary>
/// Times the engine's GEMM against OpenBLAS on the same buffers, alternating the two within each
/// round so that both see the same machine state, and reports medians.
/// </summary>
public static unsafe class GemmBench
{
    public static GemmResult Run(GemmShape shape, OpenBlas? blas, int rounds, double secondsPerRound)
    {
        int m = shape.M, n = shape.N, k = shape.K;
        // The engine's own buffers (64-byte aligned, as a training step's), the same for both contenders.
        var cpu = CpuBackend.Instance;
        using var a = (CpuBuffer)cpu.Allocate(m * k);
        using var b = (CpuBuffer)cpu.Allocate(k * n);
        using var c = (CpuBuffer)cpu.Allocate(m * n);
        using var reference = (CpuBuffer)cpu.Allocate(m * n);
        cpu.Upload(Filled(m * k, 1), a);
        cpu.Upload(Filled(k * n, 2), b);
        int lda = shape.TransA ? m : k, ldb = shape.TransB ? k : n;
        float* pa = a.Pointer, pb = b.Pointer, pc = c.Pointer, pr = reference.Pointer;
        Action gfs = () => CpuGemm.Multiply(shape.TransA, shape.TransB, m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, n);
        Action? peer = blas is null ? null : () => blas.Sgemm(shape.TransA, shape.TransB, m, n, k, 1f, pa, lda, pb, ldb, 0f, pr, n);

        // Warm up (JIT tiers, worker threads, caches) and size the repetitions to the round length.
        int reps = Repetitions(gfs, secondsPerRound);
        Time(gfs, reps);
        if (peer is not null) Time(peer, reps);
        var gfsTimes = new List<double>();
        var peerTimes = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            gfsTimes.Add(Time(gfs, reps));
            if (peer is null) continue;
            peerTimes.Add(Time(peer, reps));
        }
        double diff = 0;
        if (peer is not null)
            for (int i = 0; i < m * n; i++) diff = Math.Max(diff, Math.Abs(pc[i] - pr[i]));
        var roundRatios = peerTimes.Select((t, i) => t / gfsTimes[i]).ToList();
        return new GemmResult(shape, shape.Flops / Median(gfsTimes) / 1e9,
            peer is null ? null : shape.Flops / Median(peerTimes) / 1e9, diff,
            peer is null ? null : (roundRatios.Min(), roundRatios.Max()));
    }

    /// <summary>
    /// The GEMM of another backend (a GPU): the same matrices uploaded once, each round of calls
    /// queued back to back and followed by one synchronisation so the clock sees the last kernel
    /// end (as tools/bench/gemm_torch.py times PyTorch's cuBLAS on the same device); the result
    /// is compared with the CPU's GEMM.
    /// </summary>
    public static GemmResult RunOnDevice(GemmShape shape, Backend backend, int rounds, double secondsPerRound)
    {
        int m = shape.M, n = shape.N, k = shape.K;
        var a = Filled(m * k, 1);
        var b = Filled(k * n, 2);
        var reference = GC.AllocateArray<float>(m * n, pinned: true);
        int lda = shape.TransA ? m : k, ldb = shape.TransB ? k : n;
        fixed (float* pa = a, pb = b, pr = reference)
            CpuGemm.Multiply(shape.TransA, shape.TransB, m, n, k, 1f, pa, lda, pb, ldb, 0f, pr, n);
        using var da = backend.Allocate(a.Length);
        using var db = backend.Allocate(b.Length);
        using var dc = backend.Allocate(m * n);
        backend.Upload(a, da);
        backend.Upload(b, db);
        Action run = () => backend.Gemm(shape.TransA, shape.TransB, m, n, k, 1f, da, 0, lda, 0, db, 0, ldb, 0, 0f, dc, 0, n, 0);
        run(); // compiles and loads the kernel
        backend.Synchronize();
        int reps = Repetitions(run, secondsPerRound, backend.Synchronize);
        var times = new List<double>();
        for (int round = 0; round < rounds; round++) times.Add(Time(run, reps, backend.Synchronize));
        var c = new float[m * n];
        backend.Download(dc, 0, c);
        double diff = 0;
        for (int i = 0; i < m * n; i++) diff = Math.Max(diff, Math.Abs(c[i] - reference[i]));
        return new GemmResult(shape, shape.Flops / Median(times) / 1e9, null, diff);
    }

    /// <summary>
    /// Both libraries keep their worker threads spinning for a while after a call (OpenBLAS for
    /// up to ~0.1 s), and a spinning thread of one would steal a core from the other: each
    /// contender's block of repetitions starts after a pause long enough for them to sleep, and
    /// one untimed call that wakes its own threads again.
    /// </summary>
    public static TimeSpan CoolDown { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How many calls of <paramref name="action"/> fill a round of <paramref name="secondsPerRound"/>.</summary>
    private static int Repetitions(Action action, double secondsPerRound, Action? finish = null) =>
        Math.Max(1, (int)(secondsPerRound / Math.Max(1e-7, Time(action, 1, finish))));

    /// <summary>Seconds per call of <paramref name="action"/> over <paramref name="reps"/> calls, <paramref name="finish"/> (a device synchronisation) included once.</summary>
    private static double Time(Action action, int reps, Action? finish = null)
    {
        Thread.Sleep(CoolDown);
        action(); // untimed: wakes the contender's sleeping threads
        finish?.Invoke();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) action();
        finish?.Invoke();
        return sw.Elapsed.TotalSeconds / reps;
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }

    private static float[] Filled(int count, int seed)
    {
        var data = GC.AllocateArray<float>(count, pinned: true);
        var rng = new Random(seed);
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        return data;
    }
}
