using System.Runtime.InteropServices;

namespace GanFromScratch.Cli.Bench;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c>, loaded at run time as the yardstick for <c>gfs bench gemm</c>.
/// gfs never computes with it; it is only timed beside the engine's own GEMM.
/// </summary>
public sealed unsafe class OpenBlas
{
    /// <summary>The Debian package that provides the library.</summary>
    public const string Package = "libopenblas0-pthread";

    private static readonly string[] Candidates = ["libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so"];

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;

    private OpenBlas(nint handle)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(handle, "cblas_sgemm");
        _setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(handle, "openblas_set_num_threads");
    }

    /// <summary>Loads OpenBLAS, or returns null with the reason.</summary>
    public static OpenBlas? TryLoad(out string? problem)
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            try
            {
                problem = null;
                return new OpenBlas(handle);
            }
            catch (EntryPointNotFoundException e)
            {
                problem = $"{name} has no {e.Message}";
                return null;
            }
        }
        problem = $"OpenBLAS was not found (looked for {string.Join(", ", Candidates)}). Install it with: apt-get install {Package}";
        return null;
    }

    public int Threads { set => _setThreads(value); }

    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
