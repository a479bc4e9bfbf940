using System.Diagnostics;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Kernels;

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
        IGanTrainer trainer = config.IsImages ? new ImageTrainer(config, RandomImages(config.BatchSize * 4, config.Seed)) : new ToyTrainer(config);
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

    /// <summary>Uniform random 28×28 images with labels 0: the cost of a step does not depend on the pixels.</summary>
    private static ImageDataset RandomImages(int count, ulong seed)
    {
        var pixels = new float[count * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = Philox.Uniform(seed, (ulong)i, 0f, 1f);
        return new ImageDataset("random", pixels, new byte[count], 28, 28);
    }
}
