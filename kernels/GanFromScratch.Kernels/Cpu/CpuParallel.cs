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

    /// <summary>Parts per thread of a job split for balance (see <see cref="Run(int, int, Action{int})"/>).</summary>
    public const int PartsPerThread = 4;

    private static readonly Lazy<WorkerTeam> _team = new(() => new WorkerTeam(Math.Max(0, Environment.ProcessorCount - 1)));

    private static WorkerTeam Team => _team.Value;

    /// <summary>
    /// Runs every one of body(0) … body(parts − 1), concurrently when the team is free and has
    /// that many threads. The caller chooses <paramref name="parts"/> (from <see cref="Threads"/>);
    /// nothing here drops a part, even if <see cref="Threads"/> changes meanwhile.
    /// </summary>
    public static void Run(int parts, Action<int> body) => Team.Run(parts, parts, body);

    /// <summary>
    /// Runs every one of body(0) … body(parts − 1) on at most <paramref name="threads"/> threads (the
    /// caller's included). Each thread owns a run of consecutive parts and claims those first, then
    /// the parts the others have not reached: more parts than threads even out a thread that starts
    /// late or runs slow, and in the usual case each thread works where it worked the job before.
    /// </summary>
    public static void Run(int parts, int threads, Action<int> body) => Team.Run(parts, threads, body);

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, count) in contiguous chunks, a few per thread
    /// (see <see cref="Run(int, int, Action{int})"/>). Work smaller than <paramref name="minPerThread"/>
    /// items per thread runs on the calling thread.
    /// </summary>
    public static void For(int count, int minPerThread, Action<int, int> body)
    {
        int threads = Math.Min(Math.Min(Threads, Team.Size), Math.Max(1, count / Math.Max(1, minPerThread)));
        if (threads <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        int chunks = (int)Math.Min(count, (long)PartsPerThread * threads);
        // Chunks start at multiples of 8 items, so that a kernel's 8-lane loop meets the same
        // elements as on one thread and leaves the same last count mod 8 to its scalar loop (the
        // two may round differently: Vector256.Exp against MathF.Exp).
        int Bound(int chunk) => chunk == chunks ? count : (int)((long)count * chunk / chunks) & ~7;
        Team.Run(chunks, threads, chunk =>
        {
            int start = Bound(chunk);
            int end = Bound(chunk + 1);
            if (end > start) body(start, end);
        });
    }
}
