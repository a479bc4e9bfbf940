using System.Runtime.CompilerServices;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;
using GanFromScratch.Gan.Metrics;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The bidirectional GAN (Donahue, Krähenbühl &amp; Darrell, 2017; Dumoulin et al.'s ALI is the
/// same game). Besides the generator G: z → x there is an encoder E: x → z, and the critic
/// scores pairs: real ones (x, E(x)) against generated ones (G(z), z), z meeting x in the
/// critic's hidden layer through a learned projection (<see cref="PairCritic"/>). With
/// <code>
/// V(D, E, G) = E_x[log σ(D(x, E(x)))] + E_z[log(1 − σ(D(G(z), z)))]
/// min_{G,E} max_D  V(D, E, G)
/// </code>
/// the critic ascends V; the generator and the encoder learn together, each batch, against it,
/// with the labels swapped as in the authors' code (E pushes D(x, E(x)) towards "generated", G
/// pushes D(G(z), z) towards "real": the non-saturating form of both). At the optimum E and G
/// invert each other, so E(x) is a representation of x learned without labels. z ~ U(−1, 1)⁵⁰ on
/// images (2 numbers on toy points), Adam 2e-4 β (0.5, 0.999), batch 128, the authors' MNIST
/// networks (<see cref="BiGanNetworks"/>).
/// </summary>
public sealed class BiGan : Variant
{
    public const int ImageNoiseSize = 50;

    /// <summary>How many test images (queries) and training images (the labelled references) the measures use.</summary>
    public const int MeasureSamples = 10000;

    public override string Name => "bigan";
    public override string Summary => "BiGAN: an encoder E(x) → z learned with G against a critic of pairs (x, E(x)) vs (G(z), z), z ~ U(−1, 1), Adam 2e-4";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta1: 0.5f, Beta2: 0.999f, ImageBatchSize: 128);
    public override string DefaultArch => "bigan";
    public override IReadOnlyList<string> Architectures => ["bigan"];
    public override IReadOnlyList<string> Examples =>
        ["gfs encode --checkpoint runs/bigan-fashion-mnist/checkpoint.safetensors --out z.npy   (E(x) of the test images, for your own analysis)"];

    public override Latent Latent(TrainConfig config, DataShape data) =>
        new(data.Kind == DataKind.Toy ? data.NoiseSize : ImageNoiseSize, NoiseDistribution.Uniform);

    public override Players CreatePlayers(NetworkBuilder networks)
    {
        var (config, init, data) = (networks.Config, networks.Init, networks.Data);
        int z = Latent(config, data).NoiseSize, dim = config.Dim;
        if (data.Kind == DataKind.Toy)
            return new(ToyMlp.Generator(dim, init, z), BiGanNetworks.ToyCritic(dim, z, init), new Player(Roles.Encoder, BiGanNetworks.ToyEncoder(dim, z, init)));
        return new(BiGanNetworks.ImageGenerator(z, dim, data.Sample, init), BiGanNetworks.ImageCritic(dim, data.Sample, z, init),
            new Player(Roles.Encoder, BiGanNetworks.ImageEncoder(dim, data.Sample, z, init)));
    }

    public override IReadOnlyList<string> GeneratorStepTrains => [Roles.Generator, Roles.Encoder];

    /// <summary>The encoder sees real samples in the generator step: the iteration's (last) critic batch.</summary>
    public override bool GeneratorStepSeesReal => true;

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var (real, fake) = Pairs(game, batch);
        return new(Gan.CrossEntropy(real, fake));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch)
    {
        var (real, fake) = Pairs(game, batch);
        return Gan.CrossEntropy(fake, real); // the labels swapped: −log(1 − σ(D(x, E(x)))) − log σ(D(G(z), z))
    }

    /// <summary>The critic's logits of the real pairs (x, E(x)) and of the generated ones (G(z), z).</summary>
    private static (Tensor Real, Tensor Fake) Pairs(Game game, Batch batch)
    {
        var x = batch.RealSamples;
        var real = game.Critic.Forward(x, Encoder(game).Forward(x));
        var fake = game.Critic.Forward(game.Generator.Forward(batch.Noise), batch.Noise);
        return (real, fake);
    }

    public static Module Encoder(Game game) => game.Players[Roles.Encoder].Network;

    /// <summary>
    /// The critic's score of a sample alone, for the pictures and the gradient norm: D(x, E(x)),
    /// the sample paired with its encoding, the encoder in evaluation mode (so that measuring
    /// leaves its batch-norm statistics alone).
    /// </summary>
    public override Tensor CriticScore(Game game, Tensor samples, Tensor? labels)
    {
        var encoder = Encoder(game);
        encoder.Eval();
        try
        {
            return game.Critic.Forward(samples, encoder.Forward(samples));
        }
        finally
        {
            encoder.Train();
        }
    }

    // ---- what BiGAN claims, measured -----------------------------------------------------------

    public override IReadOnlyList<string> MeasureNames =>
        ["nn_acc", "nn_acc_random", "nn_acc_pixels", "probe_acc", "probe_acc_random", "probe_acc_pixels", "recon", "recon_random"];

    public override IReadOnlyList<string> PictureFiles => ["frames/recon_iter_NNNNNN.png (images: test images over their reconstructions G(E(x)))"];

    /// <summary>
    /// On the test samples (queries) and the training samples (labelled references), 10,000 of each
    /// (images: the first of each split; toy points: two fixed draws): <c>nn_acc</c>, the
    /// 1-nearest-neighbour accuracy of E(x_test) among E(x_train), E read before its final tanh
    /// (<see cref="Unsquashed"/>); <c>probe_acc</c>, a linear
    /// probe's (<see cref="Representation.ProbeAccuracy"/>); <c>recon</c>, mean ‖x − G(E(x))‖ over
    /// the same for mismatched pairs. Beside each, the same for an encoder of the same networks as
    /// initialised from stream 18 of the seed (<c>_random</c>) and for the raw samples
    /// (<c>_pixels</c>), which do not change as training goes on and are computed once a run.
    /// </summary>
    public override IEnumerable<(string Name, double Value)> Measure(Trainer trainer)
    {
        if (trainer.Data.Labelled(MeasureSamples) is not var (test, testLabels)) yield break;
        if (trainer.Data.Labelled(MeasureSamples, train: true) is not var (train, trainLabels)) yield break;
        var baseline = _baselines.GetValue(trainer, t => Baselines.Of(t, train, trainLabels, test, testLabels));
        var encoder = Encoder(trainer.Game);
        int classes = Classes(trainLabels, testLabels);
        var (trainZ, testZ) = (Encode(encoder, train, features: true), Encode(encoder, test, features: true));
        int z = trainer.Latent.NoiseSize;
        yield return ("nn_acc", Representation.NearestNeighbourAccuracy(trainZ, trainLabels, testZ, testLabels, z));
        yield return ("nn_acc_random", baseline.NearestRandom);
        yield return ("nn_acc_pixels", baseline.NearestPixels);
        yield return ("probe_acc", Representation.ProbeAccuracy(trainZ, trainLabels, testZ, testLabels, z, classes));
        yield return ("probe_acc_random", baseline.ProbeRandom);
        yield return ("probe_acc_pixels", baseline.ProbePixels);
        yield return ("recon", ReconstructionRatio(trainer, encoder, test));
        yield return ("recon_random", ReconstructionRatio(trainer, baseline.RandomEncoder, test));
    }

    private static int Classes(int[] a, int[] b) => Math.Max(a.Max(), b.Max()) + 1;

    private readonly ConditionalWeakTable<Trainer, Baselines> _baselines = [];

    /// <summary>The measures of what does not learn: an encoder as initialised, and the raw samples.</summary>
    private sealed record Baselines(Module RandomEncoder, double NearestRandom, double NearestPixels, double ProbeRandom, double ProbePixels)
    {
        public static Baselines Of(Trainer trainer, Tensor train, int[] trainLabels, Tensor test, int[] testLabels)
        {
            var config = trainer.Config;
            var random = trainer.Variant.CreatePlayers(new NetworkBuilder(config, trainer.Data.Shape, config.Stream(18)))[Roles.Encoder].Network;
            int z = trainer.Latent.NoiseSize, pixels = train.Size / trainLabels.Length, classes = Classes(trainLabels, testLabels);
            var (trainZ, testZ) = (Encode(random, train, features: true), Encode(random, test, features: true));
            var (trainX, testX) = (train.ToArray(), test.ToArray());
            return new(random,
                Representation.NearestNeighbourAccuracy(trainZ, trainLabels, testZ, testLabels, z),
                Representation.NearestNeighbourAccuracy(trainX, trainLabels, testX, testLabels, pixels),
                Representation.ProbeAccuracy(trainZ, trainLabels, testZ, testLabels, z, classes),
                Representation.ProbeAccuracy(trainX, trainLabels, testX, testLabels, pixels, classes));
        }
    }

    /// <summary>
    /// E(x) of every sample, in evaluation mode, 500 at a time, as rows of a float array; with
    /// <paramref name="features"/>, the encoder's output before its final tanh (<see cref="Unsquashed"/>).
    /// </summary>
    public static float[] Encode(Module encoder, Tensor samples, bool features = false)
    {
        if (features) encoder = Unsquashed(encoder);
        int n = samples.Shape[0];
        var rows = new List<float>();
        encoder.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            for (int start = 0; start < n; start += 500)
            {
                using var scope = TensorScope.Begin();
                rows.AddRange(encoder.Forward(samples.Narrow(0, start, Math.Min(500, n - start))).ToArray());
            }
        }
        finally
        {
            encoder.Train();
        }
        return [.. rows];
    }

    /// <summary>
    /// The encoder without its final tanh: the features nn_acc and probe_acc read, as the authors'
    /// evaluation reads the encoder's linear outputs (their l2distable of the encoder's predictions):
    /// distances between them are not flattened where tanh saturates.
    /// </summary>
    public static Module Unsquashed(Module encoder) =>
        encoder is Sequential { Layers: [.., Tanh] } s ? new Sequential([.. s.Layers.Take(s.Layers.Count - 1)]) : encoder;

    /// <summary>G(E(x)) of every sample, both networks in evaluation mode, as a float array shaped as the samples.</summary>
    public static float[] Reconstruct(Trainer trainer, Module encoder, Tensor samples)
    {
        var z = Encode(encoder, samples);
        int n = samples.Shape[0];
        var g = trainer.Players.Generator;
        var pixels = new List<float>();
        g.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            for (int start = 0; start < n; start += 500)
            {
                using var scope = TensorScope.Begin();
                int count = Math.Min(500, n - start), size = trainer.Latent.NoiseSize;
                pixels.AddRange(g.Forward(Tensor.FromArray(z.AsSpan(start * size, count * size).ToArray(), count, size)).ToArray());
            }
        }
        finally
        {
            g.Train();
        }
        return [.. pixels];
    }

    private static double ReconstructionRatio(Trainer trainer, Module encoder, Tensor samples) =>
        Representation.ReconstructionRatio(samples.ToArray(), Reconstruct(trainer, encoder, samples), samples.Size / samples.Shape[0]);

    // ---- pictures ----------------------------------------------------------------------------

    /// <summary>
    /// Images: 40 test images over their reconstructions G(E(x)) at every evaluation,
    /// frames/recon_iter_NNNNNN.png — rows of 10 originals, each followed by a row of their reconstructions.
    /// </summary>
    public override void DrawPictures(Trainer trainer, string outDir)
    {
        if (trainer.Data.Shape.Kind != DataKind.Images) return;
        SaveReconstructions(trainer, Path.Combine(outDir, TrainingRun.FramesFolder, $"recon_iter_{trainer.Iteration:D6}.png"));
    }

    public void SaveReconstructions(Trainer trainer, string path, int rows = 4, int columns = 10)
    {
        if (trainer.Data.Labelled(rows * columns) is not var (images, _)) return;
        var shape = trainer.Data.Shape.Sample;
        int n = images.Shape[0], size = images.Size / n;
        float[] originals = images.ToArray(), recon = Reconstruct(trainer, Encoder(trainer.Game), images);
        int gridRows = (n + columns - 1) / columns;
        var grid = new float[2 * gridRows * columns * size];
        int filled = 0;
        for (int start = 0; start < n; start += columns)
        {
            int count = Math.Min(columns, n - start);
            Array.Copy(originals, start * size, grid, filled, count * size);
            Array.Copy(recon, start * size, grid, filled + columns * size, count * size);
            filled += 2 * columns * size;
        }
        ImageGrid.Save(path, grid, 2 * gridRows * columns, shape[1], shape[2], columns);
    }
}
