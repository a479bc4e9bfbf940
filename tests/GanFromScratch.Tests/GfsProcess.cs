using System.Diagnostics;

namespace GanFromScratch.Tests;

/// <summary>
/// gfs in a process of its own (<c>dotnet gfs.dll</c>, beside the test assembly): for what a
/// process in this one cannot show — being killed, receiving a signal, holding a lock another
/// process is refused.
/// </summary>
internal sealed class GfsProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _out = new(), _err = new();

    /// <summary>The program as a command line starts it: <c>dotnet</c> and the path of gfs.dll.</summary>
    public static readonly string[] Command = ["dotnet", Path.Combine(AppContext.BaseDirectory, "gfs.dll")];

    public GfsProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
        : this(Command[0], [.. Command[1..], .. args], environment)
    {
    }

    /// <summary>Any program (<c>mpirun</c> starting gfs, say) in place of gfs itself.</summary>
    public GfsProcess(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Out { get { lock (_out) return _out.ToString(); } }
    public string Err { get { lock (_err) return _err.ToString(); } }

    /// <summary>Waits for the process to end (at most <paramref name="seconds"/>); returns its exit status.</summary>
    public int Wait(int seconds = 120)
    {
        if (!_process.WaitForExit(seconds * 1000))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gfs did not end within {seconds} s. Output so far:\n{Out}\n{Err}");
        }
        _process.WaitForExit(); // the output readers finish
        return _process.ExitCode;
    }

    /// <summary>Waits until <paramref name="ready"/> holds (polled), at most <paramref name="seconds"/>.</summary>
    public void WaitUntil(Func<bool> ready, int seconds = 120)
    {
        var clock = Stopwatch.StartNew();
        while (!ready())
        {
            if (_process.HasExited) throw new InvalidOperationException($"gfs ended (status {_process.ExitCode}) before it was ready:\n{Out}\n{Err}");
            if (clock.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"gfs was not ready within {seconds} s:\n{Out}\n{Err}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Sends a signal by name (TERM, HUP, INT), as a scheduler or a closed terminal would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {Id} failed.");
    }

    /// <summary>Runs gfs to its end and returns its exit status and output.</summary>
    public static (int Code, string Out, string Err) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var p = new GfsProcess(args, environment);
        int code = p.Wait();
        return (code, p.Out, p.Err);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
