using System.Diagnostics;
using GanFromScratch.Gan;

namespace GanFromScratch.Cli.Bench;

/// <summary>
/// Times whole generator iterations of toy training (for wgan-gp: five critic steps with the
/// penalty and one generator step) on the dataset's real batches, after warm-up iterations that
/// are not timed (they fill the memory pool and let the JIT finish).
/// </summary>
internal static class TrainStepBench
{
    public static (double MedianMs, double[] AllMs) Run(TrainConfig config, int warmup, int timed)
    {
        var trainer = new ToyTrainer(config with { Iters = int.MaxValue });
        for (int i = 0; i < warmup; i++) trainer.Step();
        var times = new double[timed];
        for (int i = 0; i < timed; i++)
        {
            long start = Stopwatch.GetTimestamp();
            trainer.Step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return (GemmBench.Median([.. times]), times);
    }
}
