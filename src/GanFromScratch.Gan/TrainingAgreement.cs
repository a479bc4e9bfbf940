using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;
using GanFromScratch.Kernels;

namespace GanFromScratch.Gan;

/// <summary>
/// Seeded WGAN-GP iterations of the toy and the image networks on a reference backend (the CPU)
/// and on another, their losses compared: the whole engine — every kernel, autograd with the
/// penalty's gradient of a gradient, Adam — agreeing between backends. Both draw the same random
/// numbers (Philox), so only the order of additions differs. The tests assert it on the ILGPU
/// emulator (and on a GPU where one is found); <c>gfs devices --check</c> runs it on a GPU
/// machine that has no .NET SDK.
/// </summary>
public static class TrainingAgreement
{
    /// <summary>One loss of one iteration on both backends.</summary>
    public sealed record Check(string Run, int Iteration, string Loss, float Reference, float Candidate, double Tolerance)
    {
        /// <summary>
        /// |reference − candidate| ≤ tolerance · max(0.01, |reference|): relative, down to losses of
        /// 0.01 (a freshly initialized critic's scores and their differences are ~1e-4, and
        /// must agree too).
        /// </summary>
        public bool Agrees => Math.Abs((double)Reference - Candidate) <= Tolerance * Math.Max(0.01, Math.Abs(Reference));
    }

    /// <summary>
    /// Three toy iterations and image iterations on both backends. <paramref name="large"/> takes
    /// the sizes a GPU runs at once (toy dim 64, batch 64; images DIM 16, batch 50, three
    /// iterations) and allows 1e-3 relative; otherwise the emulator's tiny ones (toy dim 8, batch
    /// 8; one image iteration of DIM 1, batch 2, one critic step) and 1e-4.
    /// </summary>
    public static IEnumerable<Check> Compare(Backend reference, Backend candidate, bool large)
    {
        double tolerance = large ? 1e-3 : 1e-4;
        var toy = large
            ? new TrainConfig { Variant = "wgan-gp", Dim = 64, BatchSize = 64, Lr = 1e-3f, Seed = 7, Iters = 3 }.WithOption(WganGp.Lambda, 10f)
            : new TrainConfig { Variant = "wgan-gp", Dim = 8, BatchSize = 8, Lr = 1e-3f, Seed = 7, Iters = 3 }.WithOption(WganGp.Lambda, 10f);
        var image = large
            ? new TrainConfig { Variant = "wgan-gp", Dataset = "fashion-mnist", Dim = 16, BatchSize = 50, Iters = 3 }.WithOption(WganGp.Lambda, 10f)
            : new TrainConfig { Variant = "wgan-gp", Dataset = "fashion-mnist", Dim = 1, BatchSize = 2, CriticIters = 1, Lr = 1e-3f, Iters = 1 }.WithOption(WganGp.Lambda, 10f);
        var images = ImageDataset.Random(large ? 200 : 8, 3);
        var runs = new (string Name, int Iterations, Func<Trainer> Make)[]
        {
            ($"toy dim {toy.Dim}, batch {toy.BatchSize}", toy.Iters, () => Trainer.Start(toy, new ToyData(toy))),
            ($"images DIM {image.Dim}, batch {image.BatchSize}", image.Iters, () => Trainer.Start(image, new ImageData(image, images))),
        };
        foreach (var (name, iterations, make) in runs)
        {
            var expected = Run(reference, make, iterations);
            var actual = Run(candidate, make, iterations);
            for (int i = 0; i < iterations; i++)
            {
                var (e, a) = (expected[i], actual[i]);
                yield return new(name, i + 1, "critic loss", e.CriticLoss, a.CriticLoss, tolerance);
                yield return new(name, i + 1, "critic_w", e.CriticW, a.CriticW, tolerance);
                yield return new(name, i + 1, "penalty", e.Penalty, a.Penalty, tolerance);
                yield return new(name, i + 1, "generator loss", e.GLoss, a.GLoss, tolerance);
            }
        }
    }

    private static StepLosses[] Run(Backend backend, Func<Trainer> make, int iterations)
    {
        using var device = Device.Use(backend);
        var trainer = make();
        return [.. Enumerable.Range(0, iterations).Select(_ => trainer.Step())];
    }
}
