using System.Reflection;
using GanFromScratch.Kernels.Cuda;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace GanFromScratch.Tests;

/// <summary>
/// Every CUDA kernel compiles to PTX — no GPU needed. This catches, in CI, any .NET call inside a
/// kernel that ILGPU cannot translate (it would otherwise surface only on a GPU machine).
/// </summary>
public class PtxCompileTests
{
    public static TheoryData<string> Kernels() =>
        [.. typeof(IlgpuKernels).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(void)).Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_compiles_to_PTX(string name)
    {
        using var context = Context.Create(b => b.EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, null!);
        var method = typeof(IlgpuKernels).GetMethod(name)!;
        var entry = method.GetParameters()[0].ParameterType == typeof(Index1D)
            ? EntryPointDescription.FromImplicitlyGroupedKernel(method)
            : EntryPointDescription.FromExplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, default);
        Assert.Contains(".entry", compiled.PTXAssembly);
        Assert.Contains(".target sm_80", compiled.PTXAssembly);
    }
}
