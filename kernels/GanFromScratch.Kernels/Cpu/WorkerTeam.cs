namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// A fixed team of worker threads for the CPU kernels. A kernel of a GAN step takes tenths of a
/// millisecond, so waking a sleeping thread-pool thread (tens of microseconds) would cost a good
/// part of it: these workers spin for a short while after each job, as OpenBLAS's do, and only
/// then sleep. The calling thread always takes part 0 itself.
/// </summary>
internal sealed class WorkerTeam
{
    /// <summary>Spin rounds (of 20 pauses) between yields of the processor while a worker spins.</summary>
    private const int YieldEvery = 8;

    /// <summary>How long an idle worker spins before it sleeps.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 2000; // 0.5 ms

    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private Action<int>? _job;
    private int _parts;
    private int _generation;
    private int _pending;
    private int _busy;
    private Exception? _error;

    public WorkerTeam(int workers)
    {
        _workers = new Thread[workers];
        _wake = new SemaphoreSlim[workers];
        _sleeping = new int[workers];
        for (int i = 0; i < workers; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i;
            _workers[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"gfs-cpu-{index + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>Number of threads a job can use, the caller included.</summary>
    public int Size => _workers.Length + 1;

    /// <summary>
    /// Runs body(0) … body(parts − 1) concurrently and returns when all are done. If the team is
    /// already busy (a kernel called from another thread, or from inside a job), or has fewer
    /// threads than parts, the parts run one after another on the calling thread: the same
    /// results, never a deadlock.
    /// </summary>
    public void Run(int parts, Action<int> body)
    {
        if (parts <= 1 || parts > Size || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < parts; i++) body(i);
            return;
        }
        try
        {
            _job = body;
            _parts = parts;
            _error = null;
            Volatile.Write(ref _pending, parts - 1);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < parts - 1; i++)
                if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();
            body(0);
            var spinner = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);
            if (_error is { } e) throw new AggregateException("A CPU kernel failed on a worker thread.", e);
        }
        finally
        {
            _job = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Loop(int index)
    {
        int seen = 0;
        while (true)
        {
            // Wait for a new generation: spin first, then sleep until woken.
            // Now and then the spin yields the processor: a thread woken from its sleep is often put
            // on the processor of the thread that woke it, and there a worker that only spins would
            // keep the caller from running (and from seeing its job done) for its whole spin —
            // 0.5 ms stalls in about 1 job of 50 after short gaps, measured on a 2-vCPU machine.
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
            for (int round = 1; Volatile.Read(ref _generation) == seen && System.Diagnostics.Stopwatch.GetTimestamp() < deadline; round++)
            {
                Thread.SpinWait(20);
                if (round % YieldEvery == 0) Thread.Yield();
            }
            if (Volatile.Read(ref _generation) == seen)
            {
                // A full fence between announcing the sleep and reading the generation: with a plain
                // store the read could pass it (x86 reorders a store before a later load), the caller
                // could then bump the generation and read _sleeping as 0 (no wake-up sent) while this
                // worker read the old generation and slept — and the caller would spin for ever.
                Interlocked.Exchange(ref _sleeping[index], 1);
                if (Volatile.Read(ref _generation) == seen) _wake[index].Wait();
                else if (Interlocked.Exchange(ref _sleeping[index], 0) == 0) _wake[index].Wait(); // a wake-up was sent: take it
                continue;
            }
            seen = Volatile.Read(ref _generation);
            if (index + 1 >= _parts) continue;
            try
            {
                _job!(index + 1);
            }
            catch (Exception e)
            {
                _error = e;
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
