using System.CommandLine;
using GanFromScratch.Engine;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Cli;

/// <summary>The <c>--device</c> option every computing command has, and its effect.</summary>
internal static class DeviceChoice
{
    public static Option<string> Option() => new("--device")
    {
        Description = $"Where to compute: {Device.Choices}. auto takes the first CUDA GPU, else the CPU; " +
                      "ilgpu-cpu runs the CUDA kernels on ILGPU's CPU emulator (slow; for testing).",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>
    /// Opens the chosen device, makes it the default for new tensors on this thread (where the
    /// command runs; a thread-local choice keeps concurrent callers, such as tests, apart), says
    /// which in one line, and returns a scope that restores the previous default and releases the device.
    /// </summary>
    /// <param name="localRank">In a distributed run, this process's rank among those on its machine: "auto" and "cuda" then take its own GPU.</param>
    public static IDisposable Use(string name, TextWriter stdout, int localRank = 0)
    {
        if (localRank > 0)
            name = Device.ForRank(name, localRank, name is "auto" or "cuda" ? Kernels.Cuda.IlgpuBackend.ListCudaDevices(out _).Count : 0);
        Backend backend;
        string note;
        try
        {
            backend = Device.Open(name, out note);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message);
        }
        stdout.WriteLine(note);
        return new Restore(Device.Use(backend), backend);
    }

    private sealed class Restore(IDisposable choice, Backend chosen) : IDisposable
    {
        public void Dispose()
        {
            choice.Dispose();
            if (chosen is not CpuBackend) chosen.Dispose();
        }
    }
}
