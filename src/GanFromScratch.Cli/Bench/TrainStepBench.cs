using System.Diagnostics;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Cli.Bench;

/// <summary>
/// Times whole generator iterations (for wgan-gp: five critic steps with the penalty and one
/// generator step) of toy training on the dataset's real batches, or of image training on
/// random images, after warm-up iterations that are not timed (they fill the memory pool and
/// let the JIT finish).
/// </summary>
internal static class TrainStepBench
{
    public static (double MedianMs, double[] AllMs) Run(TrainConfig config, int warmup, int timed)
    {
        config = config with { Iters = int.MaxValue };
        IGanTrainer trainer = config.IsImages ? new ImageTrainer(config, ImageDataset.Random(config.BatchSize * 4, config.Seed)) : new ToyTrainer(config);
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
