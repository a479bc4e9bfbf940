namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// A fixed team of worker threads for the CPU kernels. A kernel of a GAN step takes tenths of a
/// millisecond, so waking a sleeping thread-pool thread (tens of microseconds) would cost a good
/// part of it: these workers spin for a short while after each job, as OpenBLAS's do, and only
/// then sleep. The calling thread always works on the job itself.
/// <para>
/// A job's parts are not bound to threads: each thread claims its own run of parts first, then
/// whatever the others have not reached. On a shared machine a worker now and then starts a job
/// late (its processor taken for a millisecond by the host), and with parts fixed to threads the
/// caller would wait for it; here the caller takes over the parts the worker has not reached
/// (measured on the toy WGAN-GP iteration, 2 threads: the caller's waits fell from 235–392 ms to
/// 63–162 ms a run). Which thread runs a part never changes what the part computes.
/// </para>
/// </summary>
internal sealed class WorkerTeam
{
    /// <summary>Spin rounds (of 20 pauses) between yields of the processor while a worker spins.</summary>
    private const int YieldEvery = 8;

    /// <summary>How long an idle worker spins before it sleeps.</summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 2000; // 0.5 ms

    /// <summary>
    /// One call's work. Thread r of the job (the caller is 0, worker i is i + 1) owns a run of
    /// consecutive parts and claims them first, in order, so that in the usual case each thread
    /// works on what it worked on in the job before (the panels it packed, say); then it claims
    /// the parts the other threads have not reached.
    /// </summary>
    private sealed class Job
    {
        private readonly Action<int> _body;
        private readonly int[] _next, _end;
        private int _done;
        private Exception? _error;

        public Job(Action<int> body, int parts, int threads)
        {
            _body = body;
            Parts = parts;
            _next = new int[threads];
            _end = new int[threads];
            for (int r = 0; r < threads; r++)
                (_next[r], _end[r]) = ((int)((long)parts * r / threads), (int)((long)parts * (r + 1) / threads));
        }

        public int Parts { get; }

        /// <summary>Threads of the job, the caller's included.</summary>
        public int Threads => _next.Length;

        public bool Finished => Volatile.Read(ref _done) == Parts;

        public Exception? Error => Volatile.Read(ref _error);

        /// <summary>Thread <paramref name="self"/> claims and runs parts, its own run first, until every part is claimed; a part's exception is kept (the first).</summary>
        public void Drain(int self)
        {
            for (int o = 0; o < _next.Length; o++)
            {
                int r = (self + o) % _next.Length;
                for (int i = Interlocked.Increment(ref _next[r]) - 1; i < _end[r]; i = Interlocked.Increment(ref _next[r]) - 1)
                {
                    try
                    {
                        _body(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _error, e, null);
                    }
                    finally
                    {
                        Interlocked.Increment(ref _done);
                    }
                }
            }
        }
    }

    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private Job? _job;
    private int _generation;
    private int _busy;

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
    /// Runs body(0) … body(parts − 1) on up to <paramref name="threads"/> threads, the caller's
    /// included, and returns when all are done; an exception of a part is rethrown, wrapped, once
    /// every part has run. If the team is already busy (a kernel called from another thread, or
    /// from inside a job) the parts run one after another on the calling thread: the same results,
    /// never a deadlock.
    /// </summary>
    public void Run(int parts, int threads, Action<int> body)
    {
        int helpers = Math.Min(Math.Min(parts, threads) - 1, _workers.Length);
        if (helpers <= 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < parts; i++) body(i);
            return;
        }
        try
        {
            var job = new Job(body, parts, helpers + 1);
            Volatile.Write(ref _job, job);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < helpers; i++)
                if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();
            job.Drain(0);
            var spinner = new SpinWait();
            while (!job.Finished) spinner.SpinOnce(sleep1Threshold: -1);
            if (job.Error is { } e) throw new AggregateException("A CPU kernel failed.", e);
        }
        finally
        {
            Volatile.Write(ref _job, null);
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
            // The job now posted: the one of this generation or, if this worker came late, a later
            // one, or none. A job long finished has no part left to claim.
            if (Volatile.Read(ref _job) is { } job && index + 1 < job.Threads) job.Drain(index + 1);
        }
    }
}
