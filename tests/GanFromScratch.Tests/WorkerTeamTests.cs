using System.Diagnostics;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Tests;

/// <summary>
/// The CPU kernels' worker threads: every job reaches every part, however the jobs are timed; each
/// thread claims its own run of parts first, then the parts the others have not reached.
/// </summary>
public class WorkerTeamTests
{
    /// <summary>
    /// An idle worker spins for 0.5 ms, then announces that it sleeps and waits to be woken. Jobs
    /// that arrive just as it goes to sleep are the race: with the announcement a plain store, the
    /// worker's read of the job counter could pass it, and the caller, seeing no sleeper, sent no
    /// wake-up while the worker slept through the job — the caller then spun for ever (seen as a
    /// hang in a toy training run, and reproduced here within 3,000–13,000 jobs before the fix).
    /// Here 12,000 jobs of two parts, each after a wait of 0.5 ms ± 2.5%, must all finish.
    /// </summary>
    [Fact]
    public void Jobs_that_arrive_as_a_worker_falls_asleep_all_finish()
    {
        if (Environment.ProcessorCount < 2) return; // one core: no worker threads
        int threads = CpuParallel.Threads;
        CpuParallel.Threads = 2;
        int done = 0;
        var parts = new int[2];
        var runner = new Thread(() =>
        {
            long spin = Stopwatch.Frequency / 2000;
            var random = new Random(1);
            for (int i = 0; i < 12_000; i++)
            {
                CpuParallel.Run(2, part => Interlocked.Increment(ref parts[part]));
                long wait = spin + (long)((random.NextDouble() - 0.5) * spin * 0.05), start = Stopwatch.GetTimestamp();
                while (Stopwatch.GetTimestamp() - start < wait) { }
                Volatile.Write(ref done, i + 1);
            }
        }) { IsBackground = true };
        try
        {
            runner.Start();
            int seen = -1;
            while (runner.IsAlive)
            {
                runner.Join(TimeSpan.FromSeconds(3));
                int now = Volatile.Read(ref done);
                Assert.True(now != seen || !runner.IsAlive, $"No job finished in 3 s after {now} of 12,000: a worker missed its wake-up.");
                seen = now;
            }
            Assert.Equal(12_000, done);
            Assert.Equal(2 * 12_000, parts[0] + parts[1]);
        }
        finally { CpuParallel.Threads = threads; }
    }

    /// <summary>Every part runs exactly once, whatever the counts of parts and threads, job after job (a race would lose or repeat one).</summary>
    [Fact]
    public void Every_part_runs_exactly_once()
    {
        for (int round = 0; round < 300; round++)
        {
            int parts = 1 + round % 23, threads = 1 + round % 4;
            var runs = new int[parts];
            CpuParallel.Run(parts, threads, i => Interlocked.Increment(ref runs[i]));
            Assert.True(runs.All(r => r == 1), $"{parts} parts on {threads} threads: runs {string.Join(",", runs)}");
        }
    }

    /// <summary>
    /// A thread held up in its first part leaves the rest of its run to the others: with 8 parts on
    /// 2 threads the worker owns parts 4–7, and while it sleeps in part 4 the caller runs 5, 6 and 7.
    /// </summary>
    [Fact]
    public void A_held_up_thread_leaves_its_parts_to_the_caller()
    {
        if (Environment.ProcessorCount < 2) return; // one thread: every part is the caller's anyway
        int caller = Environment.CurrentManagedThreadId;
        var ranOn = new int[8];
        CpuParallel.Run(8, 2, i =>
        {
            ranOn[i] = Environment.CurrentManagedThreadId;
            if (i == 4 && ranOn[i] != caller) Thread.Sleep(300);
        });
        for (int i = 0; i < 4; i++) Assert.Equal(caller, ranOn[i]);
        for (int i = 5; i < 8; i++) Assert.Equal(caller, ranOn[i]);
    }

    /// <summary>A part that throws: the other parts still run, the exception comes back wrapped, and the team keeps working.</summary>
    [Fact]
    public void A_failing_part_is_reported_after_the_others_ran()
    {
        var runs = new int[6];
        var error = Assert.Throws<AggregateException>(() => CpuParallel.Run(6, 2, i =>
        {
            Interlocked.Increment(ref runs[i]);
            if (i == 1) throw new InvalidOperationException("part 1 failed");
        }));
        Assert.Equal("part 1 failed", error.InnerException!.Message);
        Assert.All(runs, r => Assert.Equal(1, r));
        var after = new int[6];
        CpuParallel.Run(6, 2, i => Interlocked.Increment(ref after[i]));
        Assert.All(after, r => Assert.Equal(1, r));
    }

    /// <summary>A job started from inside a part runs its parts on that thread, one after another, instead of waiting for a busy team.</summary>
    [Fact]
    public void A_job_inside_a_job_runs_in_place()
    {
        var inner = new int[2 * 5];
        CpuParallel.Run(2, 2, outer =>
        {
            int self = Environment.CurrentManagedThreadId;
            CpuParallel.Run(5, 2, i =>
            {
                Assert.Equal(self, Environment.CurrentManagedThreadId);
                Interlocked.Increment(ref inner[outer * 5 + i]);
            });
        });
        Assert.All(inner, r => Assert.Equal(1, r));
    }
}
