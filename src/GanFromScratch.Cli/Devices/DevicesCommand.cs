using System.CommandLine;
using GanFromScratch.Gan;
using GanFromScratch.Kernels.Cuda;
using Spectre.Console;

namespace GanFromScratch.Cli.Devices;

/// <summary><c>gfs devices</c>: the devices gfs can compute on, their kernels checked against the CPU's, and the PTX of the CUDA kernels.</summary>
internal static class DevicesCommand
{
    public static Command Create(TextWriter stdout)
    {
        var check = new Option<bool>("--check")
        {
            Description = "Run every kernel on the --device (default: the first CUDA GPU) and on the CPU with the same inputs, compare " +
                          "the outputs within each case's tolerance, and print the cases; then run seeded toy and image WGAN-GP iterations " +
                          "on both and compare their losses; exit 1 if anything disagrees. On a GPU it adds shapes the emulator is too slow " +
                          "for (full GEMM tiles, a batch-50 im2col, a 2²⁰-element reduction, larger networks).",
        };
        var ptx = new Option<DirectoryInfo>("--ptx")
        {
            Description = "Write the PTX of every CUDA kernel (what ILGPU gives the driver; no GPU needed) to DIR/<kernel>.ptx and " +
                          "print what each does per thread: vector loads, shared-memory loads, multiplies, spills to local memory. " +
                          "On a machine with the CUDA toolkit, 'ptxas -arch=sm_90 -v DIR/GemmWide.ptx' reports registers and spills.",
            HelpName = "DIR",
        };
        var device = DeviceChoice.Option();
        var command = new Command("devices",
            "List the devices gfs can compute on: the CPU, ILGPU's CPU emulator, and every CUDA GPU (name, memory, compute capability, " +
            "the PTX target ILGPU compiles for). With --check, test the device's kernels against the CPU's; with --ptx, write the kernels' PTX.\n\n" +
            "Examples:\n  gfs devices\n  gfs devices --check --device cuda:0\n  gfs devices --check --device ilgpu-cpu\n  gfs devices --ptx ptx/")
        {
            check, device, ptx,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(ptx) is { } folder) return WritePtx(folder, stdout);
            if (parse.GetValue(check)) return CheckKernels(parse.GetValue(device)!, stdout);
            stdout.WriteLine($"cpu        {Environment.ProcessorCount} cores ({System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, {CpuVectors()})");
            stdout.WriteLine("ilgpu-cpu  the CUDA kernels emulated on the CPU (for testing)");
            var cuda = Kernels.Cuda.IlgpuBackend.ListCudaDevices(out var problem);
            foreach (var line in cuda) stdout.WriteLine(line);
            if (problem is not null) stdout.WriteLine($"cuda       none: {problem}");
            return GfsApp.Ok;
        });
        return command;
    }

    /// <summary>gfs devices --ptx: every kernel's PTX in <paramref name="folder"/>, and a table of what each does per thread.</summary>
    private static int WritePtx(DirectoryInfo folder, TextWriter stdout)
    {
        if (File.Exists(folder.FullName)) throw new UsageException($"--ptx {folder.FullName} is a file; give a folder (it is created if missing).");
        var compiled = IlgpuPtx.Compile(IlgpuPtx.KernelNames);
        folder.Create();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        var table = new Table().Title("PTX of the CUDA kernels (ISA 8.0, sm_80), per thread");
        table.AddColumns("kernel", "lines", "v4 loads", "shared loads", "multiplies", "local memory");
        foreach (var (name, text) in compiled)
        {
            File.WriteAllText(Path.Combine(folder.FullName, name + ".ptx"), text);
            var s = IlgpuPtx.Summarize(text);
            table.AddRow(name, $"{s.Lines}", $"{s.VectorLoads}", $"{s.SharedLoads}", $"{s.Multiplies}", s.UsesLocalMemory ? "[red]yes[/]" : "none");
        }
        console.Write(table);
        stdout.WriteLine($"Wrote {compiled.Count} files to {folder.FullName}.");
        return GfsApp.Ok;
    }

    /// <summary>The vector instructions the CPU kernels use here, and the GEMM's tile for them.</summary>
    private static string CpuVectors()
    {
        string set = Kernels.Cpu.CpuGemm.Wide ? "AVX-512" : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "AVX2" : "no AVX2";
        return $"{set}: {Kernels.Cpu.CpuGemm.MR}×{Kernels.Cpu.CpuGemm.NR} GEMM tiles";
    }

    /// <summary>gfs devices --check: <see cref="Kernels.KernelAgreement"/> on the chosen device against the CPU.</summary>
    private static int CheckKernels(string device, TextWriter stdout)
    {
        using var chosen = DeviceChoice.Use(device == "auto" ? "cuda:0" : device, stdout);
        var backend = Engine.Device.Default;
        if (backend is Kernels.Cpu.CpuBackend) throw new UsageException("--check compares a device with the CPU: give --device cuda:N or ilgpu-cpu.");
        bool large = backend.Name.StartsWith("cuda", StringComparison.Ordinal);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        // Mostly read as a log from a GPU machine: do not fold the rows at 80 columns there.
        if (Console.IsOutputRedirected) console.Profile.Width = Math.Max(console.Profile.Width, 132);
        int failed = WriteChecks(console, stdout, $"kernels on {backend.Name} against the CPU", ["kernel", "case", "max error", "tolerance"],
            Kernels.KernelAgreement.Compare(Kernels.Cpu.CpuBackend.Instance, backend, large),
            c => c.Agrees, c => [c.Kernel, Markup.Escape(c.Case), $"{c.MaxError:G3}", $"{c.Tolerance:G3}"], "cases agree", "cases differ");
        // The whole engine: seeded training iterations on both, their losses compared.
        failed += WriteChecks(console, stdout, $"WGAN-GP iterations on {backend.Name} against the CPU",
            ["run", "iteration", "loss", "cpu", backend.Name, "tolerance"],
            TrainingAgreement.Compare(Kernels.Cpu.CpuBackend.Instance, backend, large),
            c => c.Agrees, c => [Markup.Escape(c.Run), $"{c.Iteration}", c.Loss, $"{c.Reference:G6}", $"{c.Candidate:G6}", $"{c.Tolerance:G3}"],
            "losses agree", "losses differ");
        return failed == 0 ? GfsApp.Ok : GfsApp.Failure;
    }

    /// <summary>One table of comparisons, each row marked ok or DIFFERS, then a one-line verdict; returns how many differ.</summary>
    private static int WriteChecks<T>(IAnsiConsole console, TextWriter stdout, string title, string[] columns, IEnumerable<T> checks,
        Func<T, bool> agrees, Func<T, string[]> cells, string allAgree, string someDiffer)
    {
        var table = new Table().Title(title);
        table.AddColumns([.. columns, ""]);
        int failed = 0, total = 0;
        foreach (var c in checks)
        {
            total++;
            bool ok = agrees(c);
            if (!ok) failed++;
            table.AddRow([.. cells(c), ok ? "ok" : "[red]DIFFERS[/]"]);
        }
        console.Write(table);
        stdout.WriteLine(failed == 0 ? $"All {total} {allAgree}." : $"{failed} of {total} {someDiffer}.");
        return failed;
    }
}
