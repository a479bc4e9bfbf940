using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace GanFromScratch.Kernels.Cuda;

/// <summary>Device memory of an ILGPU accelerator.</summary>
public sealed class IlgpuBuffer : DeviceBuffer
{
    /// <param name="memory">A block of the pool's size class, at least <paramref name="length"/> floats.</param>
    internal IlgpuBuffer(IlgpuBackend backend, MemoryBuffer1D<float, Stride1D.Dense> memory, int length) : base(backend, length)
    {
        Memory = memory;
        View = memory.View.SubView(0, length);
    }

    /// <summary>The whole block (it returns to the pool when the buffer is disposed).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Memory { get; }

    /// <summary>The buffer's own <see cref="DeviceBuffer.Length"/> floats of the block: kernels see exactly these (and the emulator checks bounds against them).</summary>
    public ArrayView<float> View { get; }
}

/// <summary>
/// The backend whose kernels are written in C# and compiled by ILGPU: to PTX for an NVIDIA GPU
/// (<see cref="OpenCuda"/>), or run on ILGPU's CPU accelerator (<see cref="OpenCpuEmulator"/>),
/// which executes the same kernel code thread by thread — slow, but it lets every kernel be
/// tested against <see cref="Cpu.CpuBackend"/> on a machine without a GPU.
/// Released buffers are kept in a pool by size class (<see cref="MemoryPool.SizeClass"/>: a
/// training step allocates the same sizes every time, and nearby sizes share blocks), so
/// device memory stays flat and allocation is not on the critical path. When the device is
/// full, the pool is emptied and the allocation tried once more before giving up.
/// </summary>
public sealed class IlgpuBackend : Backend
{
    private readonly Context _context;
    private readonly int _gemmTile;
    private readonly Accelerator _accelerator;
    private readonly Dictionary<int, Stack<MemoryBuffer1D<float, Stride1D.Dense>>> _pool = [];

    private readonly Action<Index1D, ArrayView<float>, float> _fill;
    private readonly Action<Index1D, ArrayView<float>, float, float> _arange;
    private readonly Action<Index1D, ArrayView<float>, int, ulong, ulong, float, float> _random;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, float, float> _unary;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StridedLayout, int, float> _binary;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _where;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, StridedLayout> _copy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> _gather, _scatterAdd;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _reduce;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PatchGeometry> _im2col, _col2im;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs> _gemm, _gemmWide;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int> _reduceRows;
    private readonly int _reduceGroup;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float> _sgd;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float> _rmsProp;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float, float, float> _adam;

    private IlgpuBackend(Context context, Accelerator accelerator, string name)
    {
        _context = context;
        _accelerator = accelerator;
        Name = name;
        // 16×16 tiles where groups of 256 threads exist (a GPU), else the largest power-of-two square that fits (the emulator: 4×4).
        _gemmTile = Math.Min(IlgpuKernels.WideMaxTile, 1 << (int)Math.Log2(Math.Sqrt(accelerator.MaxNumThreadsPerGroup)));
        _fill = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(IlgpuKernels.Fill);
        _arange = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, float>(IlgpuKernels.Arange);
        _random = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ulong, ulong, float, float>(IlgpuKernels.Random);
        _unary = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float, float>(IlgpuKernels.Unary);
        _binary = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, StridedLayout, int, float>(IlgpuKernels.Binary);
        _where = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(IlgpuKernels.Where);
        _gather = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(IlgpuKernels.Gather);
        _scatterAdd = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(IlgpuKernels.ScatterAdd);
        _copy = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, StridedLayout>(IlgpuKernels.Copy);
        _im2col = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PatchGeometry>(IlgpuKernels.Im2Col);
        _col2im = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PatchGeometry>(IlgpuKernels.Col2Im);
        _reduce = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(IlgpuKernels.Reduce);
        _reduceRows = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(IlgpuKernels.ReduceRows);
        // A power of two, a multiple of the warp size, and at most warp size² (the second shuffle round combines one value per warp).
        _reduceGroup = Math.Max(accelerator.WarpSize, Math.Min(Math.Min(256, accelerator.WarpSize * accelerator.WarpSize),
            1 << (int)Math.Log2(accelerator.MaxNumThreadsPerGroup)));
        _gemm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(IlgpuKernels.Gemm);
        _gemmWide = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(IlgpuKernels.GemmWide);
        _sgd = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float>(IlgpuKernels.SgdUpdate);
        _rmsProp = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float>(IlgpuKernels.RmsPropUpdate);
        _adam = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float, float, float, float>(IlgpuKernels.AdamUpdate);
    }

    public override string Name { get; }

    /// <summary>A one-line description of the accelerator (name, memory).</summary>
    public string Description => $"{_accelerator.Name}, {_accelerator.MemorySize / (1 << 20)} MiB";

    /// <summary>ILGPU's CPU accelerator: the CUDA kernel code, emulated on the host (for tests).</summary>
    public static IlgpuBackend OpenCpuEmulator() => OpenCpuEmulator(CPUDevice.Default);

    /// <summary>
    /// The emulator shaped like <paramref name="device"/>: <see cref="CPUDevice.Default"/> (warps of
    /// 4 threads, groups of 16: fast, GEMM groups of 4×4), or a GPU's shape, such as
    /// <c>new CPUDevice(32, 8, 1)</c> (warps of 32, groups of 256: the GEMM's 16×16 groups and the
    /// reductions' 32-lane shuffles as on an NVIDIA GPU, every thread an OS thread: slower).
    /// </summary>
    public static IlgpuBackend OpenCpuEmulator(CPUDevice device)
    {
        var context = Context.Create(b => b.CPU(device).EnableAlgorithms());
        return new IlgpuBackend(context, context.CreateCPUAccelerator(0), "ilgpu-cpu");
    }

    /// <summary>CUDA device <paramref name="index"/>; a clear error when there is no driver or no such device.</summary>
    public static IlgpuBackend OpenCuda(int index)
    {
        CudaLibraryResolver.Install();
        Context context;
        try
        {
            context = Context.Create(b => b.Cuda().EnableAlgorithms());
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException("CUDA is not available: the NVIDIA driver (libcuda.so) could not be loaded. Use --device cpu.", e);
        }
        var devices = context.GetCudaDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw new InvalidOperationException("No CUDA device was found (no NVIDIA GPU, or the driver sees none). Use --device cpu.");
        }
        if (index < 0 || index >= devices.Count)
        {
            context.Dispose();
            throw new ArgumentException($"There is no CUDA device {index}; this machine has {devices.Count} (cuda:0 … cuda:{devices.Count - 1}).");
        }
        return new IlgpuBackend(context, devices[index].CreateAccelerator(context), $"cuda:{index}");
    }

    /// <summary>One line per CUDA device; <paramref name="problem"/> says why there are none.</summary>
    public static List<string> ListCudaDevices(out string? problem)
    {
        var lines = new List<string>();
        problem = null;
        CudaLibraryResolver.Install();
        try
        {
            using var context = Context.Create(b => b.Cuda());
            var devices = context.GetCudaDevices();
            for (int i = 0; i < devices.Count; i++)
            {
                var d = devices[i];
                lines.Add($"cuda:{i}     {d.Name}, {d.MemorySize / (1 << 20)} MiB, compute capability {d.Architecture}, PTX ISA {d.InstructionSet}");
            }
            if (devices.Count == 0) problem = "no CUDA device found (no NVIDIA GPU, or no driver).";
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or NotSupportedException)
        {
            problem = "the NVIDIA driver (libcuda.so) could not be loaded.";
        }
        return lines;
    }

    private static IlgpuBuffer Ilgpu(DeviceBuffer buffer) => buffer as IlgpuBuffer
        ?? throw new ArgumentException($"A buffer of backend '{buffer.Backend.Name}' was given to the {nameof(IlgpuBackend)}.");

    private static ArrayView<float> V(DeviceBuffer buffer) => Ilgpu(buffer).View;

    public override DeviceBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int size = MemoryPool.SizeClass(length);
        lock (_pool)
            if (_pool.TryGetValue(size, out var stack) && stack.Count > 0) return new IlgpuBuffer(this, stack.Pop(), length);
        try
        {
            return new IlgpuBuffer(this, AllocateBlock(size), length);
        }
        catch (Exception e) when (e is OutOfMemoryException or AcceleratorException)
        {
            // The pool may hold blocks of other sizes that together would fit: give them back and try once more.
            long freed = EmptyPool();
            try
            {
                return new IlgpuBuffer(this, AllocateBlock(size), length);
            }
            catch (Exception again) when (again is OutOfMemoryException or AcceleratorException)
            {
                throw new InvalidOperationException(
                    $"Out of device memory on {Name} allocating {4L * size / (1 << 20)} MiB ({length} floats, block of {size}); " +
                    $"{freed / (1 << 20)} MiB of pooled blocks were freed first; the device has {_accelerator.MemorySize / (1 << 20)} MiB. " +
                    "Use a smaller --batch-size or --dim.", again);
            }
        }
    }

    private MemoryBuffer1D<float, Stride1D.Dense> AllocateBlock(int size)
    {
        var block = _accelerator.Allocate1D<float>(size);
        Interlocked.Add(ref _allocatedBytes, 4L * size);
        return block;
    }

    private long _allocatedBytes;

    /// <summary>Bytes of device memory this backend holds: buffers in use and pooled blocks.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Bytes held in the pool, ready for reuse.</summary>
    public long PooledBytes
    {
        get
        {
            lock (_pool) return _pool.Sum(kv => 4L * kv.Key * kv.Value.Count);
        }
    }

    /// <summary>Frees every pooled block (after the queued kernels finish); returns the bytes freed.</summary>
    public long EmptyPool()
    {
        _accelerator.Synchronize();
        long freed = 0;
        lock (_pool)
        {
            foreach (var (size, stack) in _pool)
                while (stack.TryPop(out var block))
                {
                    block.Dispose();
                    freed += 4L * size;
                }
            _pool.Clear();
        }
        Interlocked.Add(ref _allocatedBytes, -freed);
        return freed;
    }

    protected internal override void Release(DeviceBuffer buffer)
    {
        var memory = Ilgpu(buffer).Memory;
        lock (_pool)
        {
            int key = (int)memory.Length;
            if (!_pool.TryGetValue(key, out var stack)) _pool[key] = stack = new Stack<MemoryBuffer1D<float, Stride1D.Dense>>();
            stack.Push(memory);
        }
    }

    public override void Upload(ReadOnlySpan<float> src, DeviceBuffer dst, int dstOffset = 0)
    {
        if (src.Length == 0) return;
        V(dst).SubView(dstOffset, src.Length).CopyFromCPU(src);
    }

    public override void Download(DeviceBuffer src, int srcOffset, Span<float> dst)
    {
        if (dst.Length == 0) return;
        _accelerator.Synchronize();
        V(src).SubView(srcOffset, dst.Length).CopyToCPU(dst);
    }

    public override void Synchronize() => _accelerator.Synchronize();

    public override void Fill(DeviceBuffer y, int n, float value)
    {
        if (n > 0) _fill(n, V(y), value);
    }

    public override void Arange(DeviceBuffer y, int n, float start, float step)
    {
        if (n > 0) _arange(n, V(y), start, step);
    }

    public override void Random(DeviceBuffer y, int n, RandomDistribution distribution, ulong seed, ulong offset, float a, float b)
    {
        if (n > 0) _random(n, V(y), distribution == RandomDistribution.Normal ? 1 : 0, seed, offset, a, b);
    }

    public override void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int n, float alpha = 0, float beta = 0)
    {
        if (n > 0) _unary(n, V(x), V(y), (int)op, alpha, beta);
    }

    public override void Binary(BinaryOp op, DeviceBuffer a, ReadOnlySpan<int> aStrides, DeviceBuffer b, ReadOnlySpan<int> bStrides,
        DeviceBuffer y, ReadOnlySpan<int> shape, float alpha = 0)
    {
        if (Count(shape) == 0) return;
        ArrayView<float> va = V(a), vb = V(b), vy = V(y);
        // y is contiguous, so it merges wherever a and b do, and element i of a launch is y[start + i].
        ForEachLaunch(StridedShape.Collapse(shape, aStrides, bStrides), 0, 0, (n, layout) => _binary(n, va, vb, vy, layout, (int)op, alpha));
    }

    /// <summary>
    /// Launches a strided kernel over <paramref name="axes"/>: once when they are at most
    /// <see cref="StridedLayout.MaxRank"/> (nearly always, after merging), otherwise once per
    /// position of the outer axes, each launch covering the inner ones.
    /// </summary>
    private static void ForEachLaunch(CollapsedAxes axes, int firstOffset, int secondOffset, Action<int, StridedLayout> launch)
    {
        int outer = Math.Max(0, axes.Rank - StridedLayout.MaxRank);
        int inner = axes.Count(outer, axes.Rank), positions = axes.Count(0, outer);
        for (int position = 0; position < positions; position++)
        {
            var (first, second) = axes.Offsets(position, outer);
            launch(inner, StridedLayout.Inner(axes, firstOffset + first, secondOffset + second, position * inner));
        }
    }

    public override void Where(DeviceBuffer cond, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, int n)
    {
        if (n > 0) _where(n, V(cond), V(a), V(b), V(y));
    }

    public override void Gather(DeviceBuffer table, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        if (count > 0 && width > 0) _gather(count * width, V(table), V(indices), V(y), rows, width);
    }

    public override void ScatterAdd(DeviceBuffer source, DeviceBuffer indices, DeviceBuffer y, int count, int rows, int width)
    {
        if (rows > 0 && width > 0) _scatterAdd(rows * width, V(source), V(indices), V(y), count, width);
    }

    public override void Copy(DeviceBuffer src, int srcOffset, ReadOnlySpan<int> srcStrides,
        DeviceBuffer dst, int dstOffset, ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
    {
        if (Count(shape) == 0) return;
        ArrayView<float> vs = V(src), vd = V(dst);
        ForEachLaunch(StridedShape.Collapse(shape, srcStrides, dstStrides), srcOffset, dstOffset, (n, layout) => _copy(n, vs, vd, layout));
    }

    public override void Im2Col(DeviceBuffer image, DeviceBuffer cols, PatchGeometry g)
    {
        int n = g.Rows * g.Columns;
        if (n > 0) _im2col(n, V(image), V(cols), g);
    }

    public override void Col2Im(DeviceBuffer cols, DeviceBuffer image, PatchGeometry g)
    {
        int n = g.ImageSize;
        if (n > 0) _col2im(n, V(cols), V(image), g);
    }

    /// <summary>The patch matrix written out (im2col) and multiplied: no implicit-GEMM kernel on ILGPU yet.</summary>
    public override void PatchGemm(bool transposed, int m, float alpha, DeviceBuffer a, int aOffset, int lda,
        DeviceBuffer images, PatchGeometry g, float beta, DeviceBuffer c, int cOffset, int ldc, GemmEpilogue epilogue = default) =>
        PatchGemmThroughIm2Col(transposed, m, alpha, a, aOffset, lda, images, g, beta, c, cOffset, ldc, epilogue);

    /// <summary>The product written out, then col2im.</summary>
    public override void Col2ImGemm(int m, DeviceBuffer w, DeviceBuffer u, DeviceBuffer images, PatchGeometry g) =>
        Col2ImGemmThroughPatches(m, w, u, images, g);

    public override void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, int outer, int extent, int inner)
    {
        int n = outer * inner;
        if (n == 0) return;
        int max = op == ReduceOp.Max ? 1 : 0;
        // Few outputs over long rows (a mean over a batch, a loss): a group per output; otherwise a thread per output.
        if (extent >= 4 * _reduceGroup && n < 4096)
            _reduceRows(new KernelConfig(n, _reduceGroup, SharedMemoryConfig.RequestDynamic<float>(Math.Max(1, _reduceGroup / _accelerator.WarpSize))),
                V(x), V(y), max, extent, inner);
        else
            _reduce(n, V(x), V(y), max, extent, inner);
    }

    public override void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        DeviceBuffer a, int aOffset, int lda, long strideA,
        DeviceBuffer b, int bOffset, int ldb, long strideB,
        float beta, DeviceBuffer c, int cOffset, int ldc, long strideC, int batch = 1, GemmEpilogue epilogue = default)
    {
        if (m == 0 || n == 0 || batch == 0) return;
        var args = new GemmArgs
        {
            M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc, TransA = transA ? 1 : 0, TransB = transB ? 1 : 0,
            AOffset = aOffset, BOffset = bOffset, COffset = cOffset, StrideA = strideA, StrideB = strideB, StrideC = strideC,
            Alpha = alpha, Beta = beta,
            HasBias = epilogue.Bias is null ? 0 : 1, BiasPerRow = epilogue.BiasAlong == GemmBias.PerRow ? 1 : 0,
            Activation = epilogue.Activation, Slope = epilogue.Slope,
        };
        // Without a bias the kernel never reads its bias view; C stands in for it.
        var bias = V(epilogue.Bias ?? c);
        var plan = PlanGemm(m, n, batch);
        int t = plan.Tile;
        (args.Tile, args.TileShift) = (t, (int)Math.Log2(t));
        var groups = plan.Grid(m, n, batch);
        var threads = new Index3D(t, t, 1);
        if (plan.Wide)
            _gemmWide(new KernelConfig(groups, threads), V(a), V(b), V(c), bias, args);
        else
            _gemm(new KernelConfig(groups, threads, SharedMemoryConfig.RequestDynamic<float>(2 * plan.Block * t)), V(a), V(b), V(c), bias, args);
    }

    /// <summary>The kernel and group size a GEMM with an m×n result (per batch entry) is launched with, under <see cref="GemmKernel"/>.</summary>
    public GemmPlan PlanGemm(int m, int n, int batch) => GemmPlan.Choose(GemmKernel, m, n, batch, _accelerator.NumMultiprocessors, _gemmTile);

    /// <summary>
    /// Which GEMM kernel runs (see <see cref="GemmPlan.Choose"/>): <see cref="GemmKernelChoice.Auto"/>
    /// takes the largest blocks that still give every multiprocessor a group; the others force one
    /// kernel with the full group size (tests, benchmarks).
    /// </summary>
    public GemmKernelChoice GemmKernel { get; set; }

    public override void SgdUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentumBuffer, int n, float lr, float momentum, float weightDecay)
    {
        if (momentum != 0 && momentumBuffer is null) throw new ArgumentException("SGD with momentum needs a momentum buffer.");
        if (n > 0) _sgd(n, V(param), V(grad), momentumBuffer is null ? V(grad) : V(momentumBuffer), lr, momentum, weightDecay);
    }

    public override void RmsPropUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer squareAverage, int n, float lr, float alpha, float eps, float weightDecay)
    {
        if (n > 0) _rmsProp(n, V(param), V(grad), V(squareAverage), lr, alpha, eps, weightDecay);
    }

    public override void AdamUpdate(DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v, int n, float lr, float beta1, float beta2,
        float eps, float weightDecay, float biasCorrection1, float biasCorrection2)
    {
        if (n > 0) _adam(n, V(param), V(grad), V(m), V(v), beta1, beta2, eps, weightDecay, lr / biasCorrection1, MathF.Sqrt(biasCorrection2));
    }

    private static int Count(ReadOnlySpan<int> shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    public override void Dispose()
    {
        _accelerator.Synchronize();
        lock (_pool)
        {
            foreach (var stack in _pool.Values)
                foreach (var memory in stack) memory.Dispose();
            _pool.Clear();
        }
        _accelerator.Dispose();
        _context.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// How a GEMM is launched: the kernel (<see cref="IlgpuKernels.GemmWide"/> or
/// <see cref="IlgpuKernels.Gemm"/>) and the side T of its T×T thread groups. A group computes a
/// <see cref="Block"/>×<see cref="Block"/> block of C: 8T for the wide kernel, 4T for the narrow one.
/// </summary>
public readonly record struct GemmPlan(bool Wide, int Tile)
{
    /// <summary>The side of the block of C one group computes.</summary>
    public int Block => (Wide ? 8 : IlgpuKernels.Reg) * Tile;

    /// <summary>The grid for an m×n result: one group per block of C (x along columns, y along rows), z the batch.</summary>
    public Index3D Grid(int m, int n, int batch) => new((n + Block - 1) / Block, (m + Block - 1) / Block, batch);

    /// <summary>Groups launched for an m×n result, per batch entry times the batch.</summary>
    public long Groups(int m, int n, int batch)
    {
        var grid = Grid(m, n, batch);
        return (long)grid.X * grid.Y * grid.Z;
    }

    /// <summary>The smallest group side the automatic choice goes down to: 8×8 threads, two warps.</summary>
    public const int MinTile = 8;

    /// <summary>
    /// The plan for an m×n result (times <paramref name="batch"/>) on a device with
    /// <paramref name="multiprocessors"/> multiprocessors and groups of up to
    /// <paramref name="maxTile"/>² threads. Auto tries, from the largest blocks down: the wide
    /// kernel (128×128 on a GPU), the narrow one with full groups (64×64), then the narrow one
    /// with smaller groups (32×32 from 8×8 threads), and takes the first whose groups cover every
    /// multiprocessor; a product too small even for that takes the smallest blocks. A GAN's
    /// 256×512 products on a GPU of 132 multiprocessors get 128 groups of 32×32 instead of 32
    /// groups of 64×64, which would leave three quarters of the GPU idle. Narrow and Wide force
    /// that kernel with full groups.
    /// </summary>
    public static GemmPlan Choose(GemmKernelChoice choice, int m, int n, int batch, int multiprocessors, int maxTile)
    {
        if (choice == GemmKernelChoice.Wide) return new(true, maxTile);
        if (choice == GemmKernelChoice.Narrow) return new(false, maxTile);
        var wide = new GemmPlan(true, maxTile);
        if (wide.Groups(m, n, batch) >= multiprocessors) return wide;
        var plan = new GemmPlan(false, maxTile);
        while (plan.Tile > Math.Min(MinTile, maxTile) && plan.Groups(m, n, batch) < multiprocessors)
            plan = plan with { Tile = plan.Tile / 2 };
        return plan;
    }

    public override string ToString() =>
        $"{(Wide ? "wide" : "narrow")}, groups of {Tile}x{Tile} threads, {Block}x{Block} of C each";
}

/// <summary>The GEMM kernels of <see cref="IlgpuBackend"/> (see <see cref="IlgpuBackend.GemmKernel"/>).</summary>
public enum GemmKernelChoice
{
    Auto,
    /// <summary><see cref="IlgpuKernels.Gemm"/>: 4×4 of C per thread.</summary>
    Narrow,
    /// <summary><see cref="IlgpuKernels.GemmWide"/>: 8×8 of C per thread.</summary>
    Wide,
}

/// <summary>
/// ILGPU loads the CUDA driver as "libcuda.so", which many systems only ship as
/// "libcuda.so.1" (the name without a version comes with the development package). This
/// resolver tries the versioned name when the plain one is missing.
/// </summary>
internal static class CudaLibraryResolver
{
    private static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, (name, assembly, path) =>
            {
                if (!name.Contains("cuda", StringComparison.OrdinalIgnoreCase) || name.Contains("nvrtc", StringComparison.OrdinalIgnoreCase)) return IntPtr.Zero;
                if (NativeLibrary.TryLoad(name, assembly, path, out var handle)) return handle;
                return NativeLibrary.TryLoad("libcuda.so.1", out handle) ? handle : IntPtr.Zero;
            });
        }
        catch (InvalidOperationException)
        {
            // A resolver was already set for ILGPU's assembly (by the host program): keep it.
        }
    }
}
