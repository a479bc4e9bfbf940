using System.Runtime.InteropServices;

namespace GanFromScratch.Cli;

/// <summary>
/// Ctrl-C (SIGINT), SIGTERM (schedulers, <c>docker stop</c>, <c>kill</c>) and SIGHUP (a closed
/// terminal or ssh session) ask a long command to stop cleanly: the token is cancelled, the
/// command finishes what it is doing (a training iteration), saves, and exits with 128 + the
/// signal's number, as a shell expects. A second signal is not intercepted: it stops the
/// process at once (the last saved checkpoint is kept).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public StopSignals()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                if (Received is not null) return; // the second one: the default action ends the process
                context.Cancel = true;
                Received = context.Signal;
                _stop.Cancel();
            }));
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>The first signal received, or null.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>The signal's name and the exit status after it (128 + its number).</summary>
    public static (string Name, int ExitCode) Describe(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => ("SIGHUP", 128 + 1),
        PosixSignal.SIGINT => ("SIGINT, Ctrl-C", 128 + 2),
        PosixSignal.SIGTERM => ("SIGTERM", 128 + 15),
        _ => (signal.ToString(), 128 + 15),
    };

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _stop.Dispose();
    }
}
