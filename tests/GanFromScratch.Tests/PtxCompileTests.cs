using GanFromScratch.Kernels.Cuda;

namespace GanFromScratch.Tests;

/// <summary>
/// Every CUDA kernel compiles to PTX — no GPU needed. This catches, in CI, any .NET call inside a
/// kernel that ILGPU cannot translate (it would otherwise surface only on a GPU machine), and
/// checks the code shape the GEMM kernels were written for.
/// </summary>
public class PtxCompileTests
{
    public static TheoryData<string> Kernels() => [.. IlgpuPtx.KernelNames];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_compiles_to_PTX(string name)
    {
        string ptx = IlgpuPtx.Compile([name])[name];
        Assert.Contains(".entry", ptx);
        Assert.Contains(".target sm_80", ptx);
        Assert.False(IlgpuPtx.Summarize(ptx).UsesLocalMemory, $"{name} uses per-thread local memory (a spilled array or struct)");
        // CUDA's max.f32 and min.f32 return the other operand when one is NaN: a max reduction or
        // a clamp would hide a NaN (PyTorch's propagate it). The kernels use MaxOrNaN / MinOrNaN.
        Assert.DoesNotContain(ptx.Split('\n'), l => l.TrimStart().StartsWith("max.f32", StringComparison.Ordinal) ||
                                                   l.TrimStart().StartsWith("min.f32", StringComparison.Ordinal));
    }

    [Fact]
    public void The_wide_gemm_reads_shared_memory_as_128_bit_vectors_only()
    {
        var summary = IlgpuPtx.Summarize(IlgpuPtx.Compile(["GemmWide"])["GemmWide"]);
        // The inner loop's four loads (two of A, two of B) are all ld.shared.v4: no scalar shared load is left.
        Assert.Equal(4, summary.VectorLoads);
        Assert.Equal(4, summary.SharedLoads);
        Assert.True(summary.Multiplies >= 64, $"{summary.Multiplies} multiplies: the 8×8 block's 64 should be there");
    }

    [Fact]
    public void An_unknown_kernel_name_lists_the_kernels()
    {
        var e = Assert.Throws<ArgumentException>(() => IlgpuPtx.Compile(["NoSuchKernel"]));
        Assert.Contains("GemmWide", e.Message);
    }
}
