using System.Diagnostics;
using GanFromScratch.Gan;
using GanFromScratch.Engine;
using GanFromScratch.Engine.Distributed;
using GanFromScratch.Gan.Data;
using GanFromScratch.Kernels;

namespace GanFromScratch.Cli.Bench;

/// <summary>
/// Times whole generator iterations (for wgan-gp: five critic steps with the penalty and one
/// generator step) of toy training on the dataset's real batches, of image training on
/// random images, or of text training on random lines, after warm-up iterations that are not timed (they fill the memory pool and
/// let the JIT finish).
/// </summary>
internal static class TrainStepBench
{
    /// <param name="ranks">The ranks of an MPI job the iterations are split among (each rank times the job's iterations, its waits included), or null for this process alone.</param>
    /// <returns>
    /// The median milliseconds per iteration, and the mean milliseconds per iteration spent averaging gradients among the ranks (0 alone).
    /// The default backend's <see cref="Backend.PeakLiveBytes"/> is then the most the timed iterations held at once (the networks, optimizer state and the CPU's kept weight packings included).
    /// </returns>
    public static (double MedianMs, double ExchangeMs) Run(TrainConfig config, int warmup, int timed, ICollective? ranks = null)
    {
        config = config with { Iters = int.MaxValue };
        var trainer = Trainer(config);
        if (ranks is not null) trainer.Distribute(ranks);
        for (int i = 0; i < warmup; i++) trainer.Step();
        double exchangedBefore = trainer.ExchangeSeconds;
        Device.Default.ResetPeak();
        var times = new double[timed];
        for (int i = 0; i < timed; i++)
        {
            long start = Stopwatch.GetTimestamp();
            trainer.Step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return (GemmBench.Median([.. times]), (trainer.ExchangeSeconds - exchangedBefore) * 1000 / timed);
    }

    /// <summary>
    /// Two variants' iterations timed alternately in one process — one of A, one of B, round after
    /// round — so that both meet the same machine (a shared machine's speed drifts by tens of
    /// percent between processes); returns both medians and the median of the rounds' ratios B/A.
    /// </summary>
    public static (double MedianA, double MedianB, double MedianRatio) Alternate(TrainConfig a, TrainConfig b, int warmup, int rounds)
    {
        var (ta, tb) = (Trainer(a with { Iters = int.MaxValue }), Trainer(b with { Iters = int.MaxValue }));
        for (int i = 0; i < warmup; i++)
        {
            ta.Step();
            tb.Step();
        }
        var (times, ratios) = (new double[2, rounds], new double[rounds]);
        for (int i = 0; i < rounds; i++)
        {
            long start = Stopwatch.GetTimestamp();
            ta.Step();
            long middle = Stopwatch.GetTimestamp();
            tb.Step();
            long end = Stopwatch.GetTimestamp();
            (times[0, i], times[1, i]) = (middle - start, end - middle);
            ratios[i] = (double)(end - middle) / (middle - start);
        }
        double Ms(int which) => GemmBench.Median([.. Enumerable.Range(0, rounds).Select(i => times[which, i] * 1000.0 / Stopwatch.Frequency)]);
        return (Ms(0), Ms(1), GemmBench.Median([.. ratios]));
    }

    /// <summary>
    /// The kernel calls and transfers of one generator iteration (the second of a fresh run, so
    /// that initialization is not counted), through a <see cref="KernelCounter"/> around the
    /// default backend.
    /// </summary>
    public static KernelCounter CountKernels(TrainConfig config, int iterations = 1)
    {
        var counter = new KernelCounter(Device.Default);
        using (Device.Use(counter))
        {
            var trainer = Trainer(config with { Iters = int.MaxValue });
            trainer.Step();
            trainer.Step();
            counter.Reset();
            for (int i = 0; i < iterations; i++) trainer.Step();
        }
        return counter;
    }

    private static Trainer Trainer(TrainConfig config)
    {
        switch (config.Kind)
        {
            case DataKind.Images:
                return new(config, new ImageData(config, ImageDataset.Random(config.BatchSize * 4, config.Seed)));
            case DataKind.Text:
                var corpus = RandomText(config.BatchSize * config.CriticIters * 2);
                var withVocabulary = config with { Vocabulary = corpus.Vocabulary };
                return new(withVocabulary, new TextData(withVocabulary, corpus));
            default:
                return new(config, new ToyData(config));
        }
    }

    /// <summary>
    /// Lines of 32 random characters of 102 (a vocabulary of 103 with the unknown one, the fortunes'
    /// size): the characters do not change the cost, so no corpus need be installed.
    /// </summary>
    private static TextCorpus RandomText(int lines)
    {
        var random = new Random(1);
        return TextCorpus.FromLines(Enumerable.Range(0, lines).Select(_ =>
            new string([.. Enumerable.Range(0, TextCorpus.SequenceLength).Select(_ => (char)('!' + random.Next(102)))])));
    }
}
