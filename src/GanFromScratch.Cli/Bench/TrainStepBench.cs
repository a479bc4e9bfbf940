using System.Diagnostics;
using GanFromScratch.Gan;
using GanFromScratch.Engine;
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
        var trainer = Trainer(config);
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

    /// <summary>
    /// The kernel calls and transfers of one generator iteration (the second of a fresh run, so
    /// that initialization is not counted), through a <see cref="KernelCounter"/> around the
    /// default backend.
    /// </summary>
    public static KernelCounter CountKernels(TrainConfig config)
    {
        var counter = new KernelCounter(Device.Default);
        using (Device.Use(counter))
        {
            var trainer = Trainer(config with { Iters = int.MaxValue });
            trainer.Step();
            counter.Reset();
            trainer.Step();
        }
        return counter;
    }

    private static Trainer Trainer(TrainConfig config) => new(config,
        config.Kind == DataKind.Images ? new ImageData(config, ImageDataset.Random(config.BatchSize * 4, config.Seed)) : new ToyData(config));
}
