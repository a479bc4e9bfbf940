using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;

namespace GanFromScratch.Kernels.Cuda;

/// <summary>
/// The PTX that ILGPU generates for each kernel of <see cref="IlgpuKernels"/>, compiled without a
/// GPU: what the CUDA driver is given (it JIT-compiles PTX to the GPU's machine code). Reading it
/// shows what a kernel really does per thread: its loads and stores (128-bit vector loads
/// appear as <c>ld.shared.v4.f32</c>), its arithmetic, and whether anything spilled to
/// per-thread local memory (<c>.local</c>). NVIDIA's <c>ptxas -v</c> reports the registers and
/// shared memory each kernel needs.
/// </summary>
public static class IlgpuPtx
{
    /// <summary>The names of the kernels (the public static void methods of <see cref="IlgpuKernels"/>).</summary>
    public static IReadOnlyList<string> KernelNames { get; } =
        [.. typeof(IlgpuKernels).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(void)).Select(m => m.Name).Order(StringComparer.Ordinal)];

    /// <summary>PTX for one kernel per name, all compiled in one ILGPU context (ISA 8.0, <c>.target sm_80</c>, as ILGPU emits for an H100).</summary>
    public static Dictionary<string, string> Compile(IEnumerable<string> kernels)
    {
        using var context = Context.Create(b => b.EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, null!);
        var result = new Dictionary<string, string>();
        foreach (string name in kernels)
        {
            var method = typeof(IlgpuKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
                ?? throw new ArgumentException($"There is no kernel '{name}'. Kernels: {string.Join(", ", KernelNames)}.");
            // Kernels whose first parameter is the element index are launched with automatic groups; the others choose their own.
            var entry = method.GetParameters()[0].ParameterType == typeof(Index1D)
                ? EntryPointDescription.FromImplicitlyGroupedKernel(method)
                : EntryPointDescription.FromExplicitlyGroupedKernel(method);
            result[name] = ((PTXCompiledKernel)backend.Compile(entry, default)).PTXAssembly;
        }
        return result;
    }

    /// <summary>What a reader checks first in a kernel's PTX: its size, vector loads, shared memory, and any spill to local memory.</summary>
    public sealed record Summary(int Lines, int VectorLoads, int SharedLoads, int Multiplies, bool UsesLocalMemory);

    public static Summary Summarize(string ptx)
    {
        var lines = ptx.Split('\n');
        int Count(string op) => lines.Count(l => l.TrimStart().StartsWith(op, StringComparison.Ordinal));
        return new Summary(lines.Length, Count("ld.shared.v4") + Count("ld.global.v4"), Count("ld.shared"),
            Count("mul.f32") + Count("fma.rn.f32"), lines.Any(l => l.Contains(".local", StringComparison.Ordinal)));
    }
}
