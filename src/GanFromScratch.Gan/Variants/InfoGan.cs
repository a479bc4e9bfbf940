using GanFromScratch.Engine;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;
using GanFromScratch.Gan.Metrics;

namespace GanFromScratch.Gan;

/// <summary>
/// InfoGAN (Chen et al., 2016): a GAN whose generator takes, besides noise z, latent codes c — a
/// categorical code Cat(K) and continuous codes U(−1, 1) — and is made to keep them readable in
/// its images. A recognition network Q, a second head on the critic's body, reads the codes back
/// from G(z, c), and the mutual information I(c; G(z, c)) is bounded from below by
/// <code>
/// L_I = E[log Q(c | G(z, c))] + H(c)   (≤ I(c; G(z, c)))
/// min_{G,Q} max_D  V(D, G) − λ·L_I
/// </code>
/// with V the GAN's game. As in the authors' code, −λ·L_I enters the critic's loss (so that Q,
/// sharing the critic's layers, learns with it) and the generator's. For the categorical code
/// −log Q is a cross-entropy on Q's logits; for a continuous code Q predicts a mean with a fixed
/// unit σ, so −log Q is ½(c − μ)² (plus a constant). Noise U(−1, 1)⁶², Cat(10), 2 continuous
/// codes, λ = 1 for both kinds, G's Adam 1e-3 and D's 2e-4 with β₁ 0.5, batch 128: the authors'
/// MNIST launcher, with their networks (<see cref="InfoGanNetworks"/>).
/// </summary>
public sealed class InfoGan : Variant, ILatentTraversal
{
    public static readonly VariantOption<int> Noise = new("noise", "Numbers of incompressible noise z ~ U(−1, 1) beside the codes (the paper's 62).",
        62, n => n >= 1 && n <= 10000, "a whole number from 1 to 10000") { FixedAtResume = true }; // the generator's input size

    public static readonly VariantOption<int> Categories = new("categories", "Values of the categorical code (the paper's Cat(10)).",
        10, k => k >= 2 && k <= 1000, "a whole number from 2 to 1000") { FixedAtResume = true }; // the networks' sizes

    public static readonly VariantOption<int> ContinuousCodes = new("continuous-codes", "Continuous codes, each U(−1, 1) (the paper's 2).",
        2, c => c >= 1 && c <= 100, "a whole number from 1 to 100") { FixedAtResume = true };

    public static readonly VariantOption<float> LambdaCategorical = new("lambda-cat", "The weight λ of the categorical code's information term (the authors' 1).",
        1f, l => l >= 0 && float.IsFinite(l), "a number ≥ 0");

    public static readonly VariantOption<float> LambdaContinuous = new("lambda-cont", "The weight λ of the continuous codes' information term (the authors' 1).",
        1f, l => l >= 0 && float.IsFinite(l), "a number ≥ 0");

    public override string Name => "infogan";
    public override string Summary => "InfoGAN: latent codes Cat(10) and 2 × U(−1, 1) made readable by a Q head on the critic, the authors' MNIST networks, Adam G 1e-3, D 2e-4";
    public override Hyperparameters Defaults => new(Lr: 2e-4f, Beta1: 0.5f, Beta2: 0.999f, LrG: 1e-3f, LrD: 2e-4f, ImageBatchSize: 128);
    public override IReadOnlyList<VariantOption> Options => [Noise, Categories, ContinuousCodes, LambdaCategorical, LambdaContinuous];
    public override IReadOnlyList<DataKind> Accepts => [DataKind.Images];
    public override string DefaultArch => "infogan";
    public override IReadOnlyList<string> Architectures => ["infogan"];
    public override IReadOnlyList<string> Examples =>
        ["gfs sample --checkpoint runs/infogan-fashion-mnist/checkpoint.safetensors --code 1 --out traversal.png   (rows: the categorical code; columns: continuous code 1 from −2 to 2)"];

    public override Latent Latent(TrainConfig config, DataShape data) =>
        new(Noise.Of(config), NoiseDistribution.Uniform, Categories.Of(config), ContinuousCodes.Of(config));

    public override Players CreatePlayers(NetworkBuilder networks)
    {
        var (config, init) = (networks.Config, networks.Init);
        int k = Categories.Of(config), c = ContinuousCodes.Of(config), dim = config.Dim;
        var generator = InfoGanNetworks.Generator(Noise.Of(config) + k + c, dim, init);
        var critic = new TwoHeadCritic(InfoGanNetworks.Body(dim, init), Weights(new Nn.Linear(16 * dim, 1, init), init), InfoGanNetworks.QHead(dim, k + c, init));
        return new(generator, critic);
    }

    private static Nn.Linear Weights(Nn.Linear d, RandomStream init)
    {
        Nn.Init.Normal(d.Weight, init);
        Nn.Init.Zeros(d.Bias!);
        return d;
    }

    /// <summary>G(z, c): the noise, the categorical code one-hot, and the continuous codes, side by side.</summary>
    public override Tensor Generate(Game game, Batch batch)
    {
        int k = Categories.Of(game.Config);
        var parts = new List<Tensor> { batch.Noise, Tensor.OneHot(batch.Category!, k) };
        if (batch.Continuous is { } continuous) parts.Add(continuous);
        return game.Generator.Forward(Tensor.Concat([.. parts], 1));
    }

    /// <summary>D's logit: the critic's first output.</summary>
    private static Tensor Source(Tensor output) => output.Narrow(1, 0, 1);

    /// <summary>
    /// −L_I without its constant H(c), weighted: λ_cat·CE(Q's logits, c_cat) + λ_cont·½·Σ(c − μ)²,
    /// from the critic's outputs on generated samples and the codes they were made from.
    /// </summary>
    private static Tensor InformationLoss(Game game, Tensor output, Batch batch) =>
        InformationLoss(output, batch.Category!, batch.Continuous, Categories.Of(game.Config), LambdaCategorical.Of(game.Config), LambdaContinuous.Of(game.Config));

    /// <summary>
    /// λ_cat·CE(output[:, 1..k], category) + λ_cont·½·mean Σⱼ (output[:, 1+k+j] − continuousⱼ)²: −L_I, its
    /// constant H(c) left out, from a critic's outputs [n, 1 + k + codes] (D's logit first).
    /// </summary>
    public static Tensor InformationLoss(Tensor output, Tensor category, Tensor? continuous, int categories, float lambdaCat, float lambdaCont)
    {
        var loss = lambdaCat * Tensor.CrossEntropy(output.Narrow(1, 1, categories), category);
        if (continuous is not null)
        {
            var error = output.Narrow(1, 1 + categories, continuous.Shape[1]) - continuous;
            loss += lambdaCont * 0.5f * error.Square().Sum([1]).Mean();
        }
        return loss;
    }

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var fake = game.Critic.Forward(Generate(game, batch));
        var real = game.Critic.Forward(batch.RealSamples);
        // The information term is a regularizer of the game: critic_w reports the GAN's part alone.
        return new(Gan.CrossEntropy(Source(real), Source(fake)), InformationLoss(game, fake, batch));
    }

    public override Tensor GeneratorLoss(Game game, Batch batch)
    {
        var output = game.Critic.Forward(Generate(game, batch));
        return Gan.NonSaturating(Source(output)) + InformationLoss(game, output, batch);
    }

    public override Tensor CriticScore(Game game, Tensor samples, Tensor? labels) => Source(game.Critic.Forward(samples));

    // ---- what InfoGAN claims, measured -----------------------------------------------------

    public override IReadOnlyList<string> MeasureNames => ["mi", "mi_cont", "code_acc"];

    public override IReadOnlyList<string> PictureFiles =>
        ["frames/traverse_iter_NNNNNN.png (a row per value of the categorical code, continuous code 1 swept over [−2, 2])"];

    /// <summary>
    /// <c>mi</c>: the categorical code's L_I = H(c) − CE in nats (at most ln K, 2.303 for Cat(10)),
    /// on 1,000 generated images from a stream of their own; <c>mi_cont</c>: the continuous codes'
    /// E[½c²] − E[½(c − μ)²] on the same images (what −log Q with a unit σ gains over the prior's
    /// mean, summed over the codes); <c>code_acc</c>: the best one-to-one
    /// match between the categorical code Q reads from the real labelled images (10,000 test
    /// images) and their classes, as an accuracy.
    /// </summary>
    public override IEnumerable<(string Name, double Value)> Measure(Trainer trainer)
    {
        var (mi, miContinuous) = InformationOf(trainer, 1000);
        yield return ("mi", mi);
        yield return ("mi_cont", miContinuous);
        if (CodeAccuracy(trainer, 10000) is { } accuracy) yield return ("code_acc", accuracy);
    }

    /// <summary>L_I of the categorical code and of the continuous ones (E[½c²] − E[½(c − μ)²]) on n generated images.</summary>
    public (double Categorical, double Continuous) InformationOf(Trainer trainer, int n)
    {
        var config = trainer.Config;
        int k = Categories.Of(config), c = ContinuousCodes.Of(config);
        var critic = trainer.Players.Critic;
        using var scope = TensorScope.Begin();
        var stream = config.Stream(14);
        var category = Trainer.RandomLabels(n, k, stream);
        var continuous = c > 0 ? Tensor.Rand([n, c], stream, -1f, 1f) : null;
        var images = trainer.Generate(n, stream, category: category, continuous: continuous);
        critic.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            var output = critic.Forward(images);
            double cat = Math.Log(k) - Tensor.CrossEntropy(output.Narrow(1, 1, k), category).Item();
            double cont = 0;
            if (continuous is not null)
                cont = (0.5f * continuous.Square().Sum([1]).Mean() - 0.5f * (output.Narrow(1, 1 + k, c) - continuous).Square().Sum([1]).Mean()).Item();
            return (cat, cont);
        }
        finally
        {
            critic.Train();
        }
    }

    /// <summary>The categorical code Q reads from each of n labelled real samples, matched one to one to the classes; null without labelled samples.</summary>
    public double? CodeAccuracy(Trainer trainer, int n)
    {
        if (trainer.Data.Labelled(n) is not var (samples, labels)) return null;
        int k = Categories.Of(trainer.Config), classes = Math.Max(trainer.Data.Shape.Classes, labels.Max() + 1);
        var critic = trainer.Players.Critic;
        var codes = new int[labels.Length];
        using (TensorScope.Begin())
        {
            critic.Eval();
            try
            {
                using var _ = Autograd.NoGrad();
                for (int start = 0; start < labels.Length; start += 500)
                {
                    int count = Math.Min(500, labels.Length - start);
                    var logits = critic.Forward(samples.Narrow(0, start, count)).Narrow(1, 1, k).ToArray();
                    for (int i = 0; i < count; i++) codes[start + i] = FeatureClassifier.MostProbable(logits.AsSpan(i * k, k));
                }
            }
            finally
            {
                critic.Train();
            }
        }
        return MatchedAccuracy(codes, k, labels, classes);
    }

    /// <summary>
    /// The accuracy of <paramref name="codes"/> against <paramref name="labels"/> under the best
    /// one-to-one renaming of codes to classes (the assignment solver on the negated co-occurrence
    /// counts, padded to a square).
    /// </summary>
    public static double MatchedAccuracy(int[] codes, int k, int[] labels, int classes)
    {
        int size = Math.Max(k, classes);
        var cost = new double[size, size];
        for (int i = 0; i < codes.Length; i++) cost[codes[i], labels[i]] -= 1;
        var match = Assignment.Solve(cost);
        double hits = 0;
        for (int code = 0; code < size; code++) hits -= cost[code, match[code]];
        return codes.Length == 0 ? 0 : hits / codes.Length;
    }

    // ---- pictures ----------------------------------------------------------------------------

    /// <summary>The traversal of continuous code 1 at every evaluation, beside the sample grid: frames/traverse_iter_NNNNNN.png.</summary>
    public override void DrawPictures(Trainer trainer, string outDir)
    {
        if (ContinuousCodes.Of(trainer.Config) == 0) return;
        SaveTraversal(trainer, 1, Path.Combine(outDir, TrainingRun.FramesFolder, $"traverse_iter_{trainer.Iteration:D6}.png"));
    }

    public int ContinuousCodeCount(TrainConfig config) => ContinuousCodes.Of(config);

    /// <summary>
    /// The paper's latent traversal: row r is the categorical code r, column j continuous code
    /// <paramref name="code"/> (1-based) at −2 + 4j/9, every other code 0 and the noise the same
    /// for the whole grid (stream 16 of the seed).
    /// </summary>
    public void SaveTraversal(Trainer trainer, int code, string path)
    {
        var config = trainer.Config;
        int k = Categories.Of(config), c = ContinuousCodes.Of(config), columns = 10, n = k * columns;
        if (code < 1 || code > c) throw new ArgumentOutOfRangeException(nameof(code), $"This run has continuous codes 1 to {c}, not {code}.");
        var category = new float[n];
        var continuous = new float[n * c];
        for (int r = 0; r < k; r++)
            for (int j = 0; j < columns; j++)
            {
                int i = r * columns + j;
                category[i] = r;
                continuous[i * c + code - 1] = -2f + 4f * j / (columns - 1);
            }
        float[] pixels;
        using (TensorScope.Begin())
        {
            int size = Noise.Of(config);
            var noise = Tensor.Rand([1, size], config.Stream(16), -1f, 1f).Expand(n, size);
            var batch = new Batch(noise) { Category = Tensor.FromArray(category, n), Continuous = Tensor.FromArray(continuous, n, c) };
            trainer.PrepareSampling();
            var g = trainer.SamplingGame.Generator;
            g.Eval();
            try
            {
                using (Autograd.NoGrad()) pixels = Generate(trainer.SamplingGame, batch).ToArray();
            }
            finally
            {
                g.Train();
            }
        }
        var shape = trainer.Data.Shape.Sample;
        ImageGrid.Save(path, pixels, n, shape[1], shape[2], columns);
    }
}

/// <summary>A variant whose generator has continuous latent codes that a picture can sweep (<c>gfs sample --code K</c>).</summary>
public interface ILatentTraversal
{
    /// <summary>How many continuous codes a run of this configuration has.</summary>
    int ContinuousCodeCount(TrainConfig config);

    /// <summary>A grid sweeping continuous code <paramref name="code"/> (1-based) across the columns, written to <paramref name="path"/>.</summary>
    void SaveTraversal(Trainer trainer, int code, string path);
}
