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
    /// Opens the chosen device, makes it the default for new tensors, says which in one line, and
    /// returns a scope that restores the previous default and releases the device.
    /// </summary>
    public static IDisposable Use(string name, TextWriter stdout)
    {
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
        var previous = Device.Default;
        Device.Default = backend;
        return new Restore(previous, backend);
    }

    private sealed class Restore(Backend previous, Backend chosen) : IDisposable
    {
        public void Dispose()
        {
            Device.Default = previous;
            if (chosen is not CpuBackend) chosen.Dispose();
        }
    }
}
