using System.Diagnostics;
using System.Globalization;

namespace GanFromScratch.Nn;

/// <summary>
/// Named moments at which a crash is worst — half-way through writing a checkpoint, between
/// writing it and renaming it into place, in the middle of a training iteration — so that the
/// fault tests can kill a run exactly there and check that a resume repairs everything.
/// <c>GFS_FAULT=point:n</c> in the environment kills this process (SIGKILL: no handler runs, no
/// file is closed) the n-th time <paramref name="point"/> is reached. Unset, a point costs a
/// comparison.
/// </summary>
public static class FaultInjection
{
    public const string Variable = "GFS_FAULT";

    private static readonly (string Point, int Count)? Planned = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _reached;

    /// <summary>Marks the moment <paramref name="point"/>; dies here if the environment planned it.</summary>
    public static void Reach(string point)
    {
        if (Planned is not { } plan || plan.Point != point) return;
        if (Interlocked.Increment(ref _reached) < plan.Count) return;
        Console.Error.Flush();
        Console.Out.Flush();
        Process.GetCurrentProcess().Kill();
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        int colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? (value[..colon], n)
            : (value, 1);
    }
}
