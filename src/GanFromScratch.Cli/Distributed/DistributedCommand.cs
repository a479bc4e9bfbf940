using System.CommandLine;
using GanFromScratch.Engine.Distributed;

namespace GanFromScratch.Cli.Distributed;

/// <summary>
/// <c>gfs distributed</c>: checks that the processes of an MPI job find each other and that the
/// collective operations training uses give the right numbers — an all-reduce of values every
/// rank knows the sum of, and a broadcast of a known pattern — before a long run relies on them.
/// </summary>
internal static class DistributedCommand
{
    public static Command Create(TextWriter stdout)
    {
        var command = new Command("distributed",
            "Check the MPI setup that distributed training uses: start it as 'mpirun -np N gfs distributed'. Every rank all-reduces " +
            "values whose sum it knows and receives a broadcast pattern from rank 0; rank 0 prints the library, the ranks, the " +
            "result and the time of a 4 MiB all-reduce, and every rank exits 1 if any rank saw a wrong number. Run without mpirun it checks the library alone (one rank).\n\n" +
            "Examples:\n  mpirun -np 2 gfs distributed\n  mpirun --allow-run-as-root --oversubscribe -np 4 gfs distributed   (as root, more ranks than cores)");
        command.SetAction(_ =>
        {
            using var ranks = Ranks.Open(requested: true);
            var wrong = Check(ranks);
            bool anyWrong = ranks.OnAnyRank(wrong.Count > 0);
            foreach (var line in wrong) Console.Error.WriteLine($"gfs ({Ranks.Name(ranks)}): {line}");
            double ms = anyWrong ? 0 : AllreduceMilliseconds(ranks, 1 << 20, 10);
            if (ranks.Rank == 0)
            {
                stdout.WriteLine($"{ranks.Description} · {ranks.Size} rank(s)");
                stdout.WriteLine(anyWrong ? "The collective operations gave wrong numbers (see above)." : "allreduce ok · mean ok · broadcast ok");
                if (!anyWrong) stdout.WriteLine($"allreduce of 2^20 floats (4 MiB): {ms:F2} ms (median of 10), {4.0 * (1 << 20) / (ms * 1e6):F2} GB/s of buffer");
            }
            return anyWrong ? GfsApp.Failure : GfsApp.Ok;
        });
        return command;
    }

    /// <summary>The median time of <paramref name="rounds"/> all-reduces of <paramref name="floats"/> floats (after one untimed).</summary>
    private static double AllreduceMilliseconds(ICollective ranks, int floats, int rounds)
    {
        var buffer = new float[floats];
        ranks.AllreduceSum(buffer);
        var times = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            ranks.AllreduceSum(buffer);
            times[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[rounds / 2];
    }

    /// <summary>What this rank found wrong (nothing when all is well).</summary>
    public static List<string> Check(ICollective ranks)
    {
        var wrong = new List<string>();
        int n = ranks.Size, r = ranks.Rank;
        // Rank r sends r + 1 + i/8 at position i: the sum over ranks is n(n+1)/2 + n·i/8, exact in floats.
        float[] Sent(int length) => [.. Enumerable.Range(0, length).Select(i => r + 1 + i / 8f)];
        float Sum(int i) => n * (n + 1) / 2f + n * i / 8f;
        void Expect(string what, float[] got, Func<int, float> expected)
        {
            for (int i = 0; i < got.Length && wrong.Count == 0; i++)
                if (got[i] != expected(i)) wrong.Add($"{what}: element {i} is {got[i]}, expected {expected(i)}.");
        }
        var values = Sent(1000);
        ranks.AllreduceSum(values);
        Expect("allreduce", values, Sum);
        // The mean, as data-parallel training averages gradients: the same sums times 1/n, over a length no vector width divides.
        var means = Sent(1003);
        ranks.AllreduceMean(means);
        Expect("allreduce mean", means, i => Sum(i) * (1f / n));
        var bytes = new byte[4099];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = r == 0 ? (byte)(i * 7 + 3) : (byte)0;
        ranks.Broadcast(bytes, root: 0);
        for (int i = 0; i < bytes.Length && wrong.Count < 2; i++)
            if (bytes[i] != (byte)(i * 7 + 3))
                wrong.Add($"broadcast: byte {i} is {bytes[i]}, expected {(byte)(i * 7 + 3)}.");
        return wrong;
    }
}
