using System.Diagnostics;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Tests;

/// <summary>The CPU kernels' worker threads: every job reaches every part, however the jobs are timed.</summary>
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
}
