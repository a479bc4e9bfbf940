namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// Splits a range of independent work items over at most <see cref="Threads"/> threads.
/// Each item is processed by exactly one thread, so results never depend on the thread count.
/// </summary>
public static class CpuParallel
{
    private static int _threads = Environment.ProcessorCount;

    /// <summary>Threads used by CPU kernels (default: every core; at most one per core).</summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "The thread count must be at least 1.");
            _threads = value;
        }
    }

    private static readonly Lazy<WorkerTeam> _team = new(() => new WorkerTeam(Math.Max(0, Environment.ProcessorCount - 1)));

    private static WorkerTeam Team => _team.Value;

    /// <summary>
    /// Runs every one of body(0) … body(parts − 1), concurrently when the team is free and has
    /// that many threads. The caller chooses <paramref name="parts"/> (from <see cref="Threads"/>);
    /// nothing here drops a part, even if <see cref="Threads"/> changes meanwhile.
    /// </summary>
    public static void Run(int parts, Action<int> body) => Team.Run(parts, body);

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, count) in contiguous chunks. Work smaller than
    /// <paramref name="minPerThread"/> items per thread runs on the calling thread.
    /// </summary>
    public static void For(int count, int minPerThread, Action<int, int> body)
    {
        int chunks = Math.Min(Math.Min(Threads, Team.Size), Math.Max(1, count / Math.Max(1, minPerThread)));
        if (chunks <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        Team.Run(chunks, chunk =>
        {
            int start = (int)((long)count * chunk / chunks);
            int end = (int)((long)count * (chunk + 1) / chunks);
            if (end > start) body(start, end);
        });
    }
}
