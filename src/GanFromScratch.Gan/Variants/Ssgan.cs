using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>
/// The semi-supervised GAN of Salimans et al. (2016), "Improved techniques for training GANs",
/// section 5. The critic is a K-class classifier with logits l₁ … l_K, and the class "generated"
/// is the (K+1)-th with its logit fixed at 0, so that with Z(x) = Σₖ exp(lₖ(x))
/// <code>
/// D(x) = Z(x) / (Z(x) + 1)                                   (the probability that x is real)
/// L_critic = L_supervised + w · L_unsupervised
/// L_supervised   = −E_(x,y)~labelled log softmax(l(x))_y        (the K classes alone)
/// L_unsupervised = −½ E_x~data log D(x) − ½ E_z log(1 − D(G(z)))
///                = ½ E_x[softplus(lse(x)) − lse(x)] + ½ E_z[softplus(lse(G(z)))],  lse = log Z
/// L_G = ‖E_x f(x) − E_z f(G(z))‖² / features                   (feature matching)
/// </code>
/// with f the critic's last hidden layer. Only a balanced, seeded subset of the training labels
/// (<c>--labels-per-class</c>) reaches L_supervised; every training image serves as unlabelled
/// data. The authors' MNIST settings: Adam 3e-3 β₁ 0.5, batch 100, z ~ U(0, 1)¹⁰⁰ (here U(−1, 1),
/// gfs's uniform noise), their networks (<see cref="SsganNetworks"/>). <c>test_acc</c> is the critic
/// as a classifier on the test images, <c>test_acc_avg</c> the same for the running average of its
/// weights that the authors' code tests (<see cref="CriticAverage"/>); <c>gfs train classifier --arch
/// ssgan</c> trains the same network on the same labelled batches alone, the baseline the paper's
/// claim is measured against, and measures both the same way.
/// </summary>
public sealed class Ssgan : Variant
{
    public static readonly VariantOption<int> LabelsPerClassOption = new("labels-per-class",
        "Labelled training images per class (a balanced subset drawn with the seed; no other label is read).",
        100, n => n >= 1, "a whole number ≥ 1") { FixedAtResume = true };

    public static readonly VariantOption<float> UnlabelledWeight = new("unlabelled-weight",
        "The weight w of the unlabelled real/fake terms in the critic's loss (the authors' 1).", 1f, w => w >= 0 && float.IsFinite(w), "a number ≥ 0");

    public static readonly VariantOption<float> CriticAverage = new("critic-average",
        "The rate r of the running average of the critic's weights that test_acc_avg tests, as the authors' code does: " +
        "a ← a + r·(θ − a) after every critic step from a = 0, read as a/(1 − (1 − r)^t) after t steps so that a short run is not pulled " +
        "towards 0 (the authors' rate 1e-4, their runs 180,000 steps; 0: none).",
        1e-4f, r => r >= 0 && r < 1, "a rate in [0, 1), such as 1e-4")
    {
        FixedAtResume = true, // the reading a/(1 − (1 − r)^t) holds for one rate from the start
        ValueBeforeAdded = VariantOption<float>.ToJson(0f),
    };

    /// <summary>The two ways the critic can start (<see cref="CriticInit"/>).</summary>
    public const string AuthorsInit = "authors", NormInit = "norm";

    public static readonly VariantOption<string> CriticInit = new("critic-init",
        "How the critic's weight-normalized layers start. authors (default): as the authors' code — directions v ~ N(0, 0.1²), then a " +
        "data-dependent initialisation on 500 training images (each layer's pre-activations of mean 0 and standard deviation 1, the noise on), " +
        "the hidden layers' lengths g fixed by it and learned in the last layer only. norm: v ~ N(0, 0.05²) and g = ‖v‖, every g learned " +
        "(gfs's first version).",
        AuthorsInit, _ => true, "authors or norm")
    {
        Choices = [AuthorsInit, NormInit],
        FixedAtResume = true, // the networks' parameters differ (fixed lengths are buffers)
        ValueBeforeAdded = VariantOption<string>.ToJson(NormInit),
    };

    /// <summary>How many test images test_acc reads.</summary>
    public const int TestImages = 10000;

    public override string Name => "ssgan";
    public override string Summary => "the semi-supervised GAN (Salimans et al.): a K-class critic with the fake logit fixed at 0, feature matching, 100 labels per class, Adam 3e-3";
    public override Hyperparameters Defaults => new(Lr: 3e-3f, Beta1: 0.5f, Beta2: 0.999f, ImageBatchSize: 100);
    public override IReadOnlyList<VariantOption> Options => [LabelsPerClassOption, UnlabelledWeight, CriticAverage, CriticInit];
    public override IReadOnlyList<DataKind> Accepts => [DataKind.Images];
    public override string DefaultArch => "ssgan";
    public override IReadOnlyList<string> Architectures => ["ssgan"];
    public override IReadOnlyList<string> Examples =>
    [
        "gfs train ssgan --dataset fashion-mnist --labels-per-class 10",
        "gfs train classifier --arch ssgan --labels-per-class 100   (the same critic on the labelled images alone: the baseline)",
    ];

    public override int LabelsPerClass(TrainConfig config) => LabelsPerClassOption.Of(config);

    public override Latent Latent(TrainConfig config, DataShape data) => new(SsganNetworks.NoiseSize, NoiseDistribution.Uniform);

    public override Players CreatePlayers(NetworkBuilder networks)
    {
        var (config, init, data) = (networks.Config, networks.Init, networks.Data);
        var players = new Players(SsganNetworks.Generator(SsganNetworks.NoiseSize, config.Dim, data.Sample, init), CreateCritic(config, data, init));
        if (CriticAverage.Of(config) == 0) return players;
        var average = CreateCritic(config, data, init);
        using (Autograd.NoGrad())
            foreach (var p in average.Parameters()) p.Load(new float[p.Size]); // a = 0
        return players.With(new Player(Roles.CriticAverage, average));
    }

    /// <summary>The critic, its noise layers drawing from stream 21 of the seed (saved in checkpoints).</summary>
    public static FeatureCritic CreateCritic(TrainConfig config, DataShape data, RandomStream init) =>
        SsganNetworks.Critic(config.Dim, data.Sample, data.Classes, init, config.Stream(21), authors: CriticInit.Of(config) == AuthorsInit);

    /// <summary>With <c>--critic-init authors</c>, the critic's data-dependent initialisation (<see cref="InitializeCritic"/>).</summary>
    public override void InitializeFromData(Trainer trainer)
    {
        var train = (trainer.Data as ImageData)?.Train
                    ?? throw new InvalidOperationException("The semi-supervised GAN's critic is initialised from training images, and none were loaded.");
        InitializeCritic(trainer.Config, (FeatureCritic)trainer.Players.Critic, trainer.Players.Find(Roles.CriticAverage)?.Network, train);
    }

    /// <summary>
    /// The authors' start of the critic (<c>--critic-init authors</c>; nothing for <c>norm</c>): its
    /// data-dependent initialisation on <see cref="SsganNetworks.InitImages"/> training images, the
    /// first of a permutation drawn from stream 23 of the seed (their <c>trainx[:500]</c> of a seeded
    /// permutation). The running average takes the fixed lengths it sets (buffers, not averaged:
    /// the authors average trainable parameters only).
    /// </summary>
    public static void InitializeCritic(TrainConfig config, FeatureCritic critic, Nn.Module? average, ImageDataset train)
    {
        if (CriticInit.Of(config) != AuthorsInit) return;
        var order = EpochOrder.Permutation(train.Count, config.Stream(23).Seed);
        using (TensorScope.Begin())
            SsganNetworks.InitializeFromData(critic, train.Batch(order.AsSpan(0, Math.Min(SsganNetworks.InitImages, train.Count))));
        if (average is null) return;
        foreach (var ((_, a), (_, c)) in average.NamedBuffers().Zip(critic.NamedBuffers())) a.CopyFrom(c);
    }

    /// <summary>The generator matches the critic's features of real images: the iteration's (unlabelled) critic batch.</summary>
    public override bool GeneratorStepSeesReal => true;

    private static FeatureCritic Critic(Game game) => (FeatureCritic)game.Critic;

    /// <summary>After each critic step, the running average of its weights takes a step towards them.</summary>
    public override void AfterCriticStep(Game game)
    {
        if (game.Players.Find(Roles.CriticAverage) is { } average) UpdateAverage(average.Network, game.Critic, CriticAverage.Of(game.Config));
    }

    /// <summary>The authors' step of the average: a ← a + r·(θ − a), for every parameter of <paramref name="critic"/>.</summary>
    public static void UpdateAverage(Nn.Module average, Nn.Module critic, float rate)
    {
        using var _ = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        foreach (var (a, theta) in average.Parameters().Zip(critic.Parameters())) a.CopyFrom(a + rate * (theta - a));
    }

    public override CriticLosses CriticLoss(Game game, Batch batch)
    {
        var critic = Critic(game);
        var supervised = SupervisedLoss(critic.Forward(batch.Labelled!), batch.LabelledLabels!);
        var unsupervised = UnsupervisedLoss(critic.Forward(batch.RealSamples), critic.Forward(Generate(game, batch)));
        return new(supervised + UnlabelledWeight.Of(game.Config) * unsupervised);
    }

    public override Tensor GeneratorLoss(Game game, Batch batch)
    {
        var critic = Critic(game);
        return FeatureMatching(critic.Features(Generate(game, batch)), critic.Features(batch.RealSamples));
    }

    /// <summary>−mean log softmax(l)_y over the K classes: the labelled images' cross-entropy.</summary>
    public static Tensor SupervisedLoss(Tensor logits, Tensor labels) => Tensor.CrossEntropy(logits, labels);

    /// <summary>−½ E log D(x) − ½ E log(1 − D(G(z))) with D = Z/(Z + 1): ½ mean(softplus(lse) − lse) on real logits + ½ mean softplus(lse) on generated ones.</summary>
    public static Tensor UnsupervisedLoss(Tensor realLogits, Tensor fakeLogits)
    {
        var real = realLogits.LogSumExp(1);
        var fake = fakeLogits.LogSumExp(1);
        return 0.5f * (real.Softplus() - real).Mean() + 0.5f * fake.Softplus().Mean();
    }

    /// <summary>The mean over features of (mean over the batch of f(G(z)) − of f(x))².</summary>
    public static Tensor FeatureMatching(Tensor fakeFeatures, Tensor realFeatures) => (fakeFeatures.Mean(0) - realFeatures.Mean(0)).Square().Mean();

    /// <summary>The real/fake logit log D/(1 − D) = log Z, [n, 1]: what the pictures and the gradient norm show.</summary>
    /// <remarks>The critic in evaluation mode, so that measuring draws no noise from its stream.</remarks>
    public override Tensor CriticScore(Game game, Tensor samples, Tensor? labels)
    {
        game.Critic.Eval();
        try
        {
            return game.Critic.Forward(samples).LogSumExp(1, keepDim: true);
        }
        finally
        {
            game.Critic.Train();
        }
    }

    // ---- what the paper claims, measured -----------------------------------------------------

    public override IReadOnlyList<string> MeasureNames => ["test_acc", "test_acc_avg"];

    public override IEnumerable<(string Name, double Value)> Measure(Trainer trainer)
    {
        if (trainer.Data.Labelled(TestImages) is not var (test, labels)) yield break;
        yield return ("test_acc", Accuracy(trainer.Players.Critic, test, labels));
        long steps = trainer.Players[Roles.Critic].Optimizer!.StepCount;
        if (trainer.Players.Find(Roles.CriticAverage) is { } average && steps > 0)
            yield return ("test_acc_avg", ReadingAverage(average.Network, CriticAverage.Of(trainer.Config), steps, () => Accuracy(average.Network, test, labels)));
    }

    /// <summary>
    /// <paramref name="measure"/> of <paramref name="average"/> holding a/(1 − (1 − r)ᵗ): the running
    /// average after <paramref name="steps"/> steps of rate <paramref name="rate"/> from 0, divided by the
    /// sum of its weights r(1 − r)^(t−s), so that it is an average of the critic's weights and not pulled
    /// towards 0 (the authors' own average, once t ≫ 1/r). The average holds a again afterwards, to the bit.
    /// </summary>
    public static T ReadingAverage<T>(Nn.Module average, float rate, long steps, Func<T> measure)
    {
        var parameters = average.Parameters().ToList();
        var saved = parameters.Select(t => t.ToArray()).ToList();
        float scale = (float)(1 / (1 - Math.Pow(1 - (double)rate, steps)));
        try
        {
            using (Autograd.NoGrad())
            using (TensorScope.Begin())
                foreach (var t in parameters) t.CopyFrom(scale * t);
            return measure();
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++) parameters[i].Load(saved[i]);
        }
    }

    /// <summary>
    /// The baseline of the paper's claim: the critic of an ssgan run with <paramref name="config"/>
    /// (the same initial weights, the same noise layers) trained on the same labelled batches with
    /// the same optimizer, by L_supervised alone — no unlabelled images, no generator — for
    /// config.Iters steps. Returns its test accuracy (<see cref="Accuracy"/> on the first 10,000 test images)
    /// and, where the configuration keeps one (<see cref="CriticAverage"/>), that of the running average of its weights.
    /// </summary>
    public static (double Accuracy, double? AverageAccuracy) SupervisedBaseline(TrainConfig config, ImageDataset train, ImageDataset test, Action<int, float>? progress = null,
        CancellationToken cancel = default)
    {
        config.Validate();
        var players = config.Rules.CreatePlayers(new NetworkBuilder(config, DataShape.Of(config), config.Stream(0)));
        var (critic, average) = (players.Critic, players.Find(Roles.CriticAverage)?.Network);
        InitializeCritic(config, (FeatureCritic)critic, average, train);
        var adam = new Nn.Adam(critic.NamedParameters(), config.LrFor(Roles.Critic), config.Beta1, config.Beta2);
        var batches = ImageData.LabelledBatches(config, train);
        critic.Train();
        for (int step = 1; step <= config.Iters && !cancel.IsCancellationRequested; step++)
        {
            using var scope = TensorScope.Begin();
            var indices = batches.NextIndices(config.BatchSize);
            var labels = Tensor.FromArray([.. indices.Select(i => (float)batches.Data.Labels[i])], indices.Length);
            var loss = SupervisedLoss(critic.Forward(batches.Data.Batch(indices)), labels);
            loss.Backward();
            adam.Step();
            critic.ZeroGrad();
            if (average is not null) UpdateAverage(average, critic, CriticAverage.Of(config));
            if (step % 100 == 0 || step == config.Iters) progress?.Invoke(step, loss.Item());
        }
        int n = Math.Min(TestImages, test.Count);
        var (images, classes) = (test.Batch(0, n), test.Labels[..n].Select(l => (int)l).ToArray());
        return (Accuracy(critic, images, classes),
            average is null || adam.StepCount == 0 ? null
                : ReadingAverage(average, CriticAverage.Of(config), adam.StepCount, () => Accuracy(average, images, classes)));
    }

    /// <summary>The fraction of <paramref name="images"/> whose largest logit is their class, the network in evaluation mode (no noise).</summary>
    public static double Accuracy(Nn.Module classifier, Tensor images, int[] labels)
    {
        int n = images.Shape[0], right = 0;
        classifier.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            for (int start = 0; start < n; start += 500)
            {
                using var scope = TensorScope.Begin();
                int count = Math.Min(500, n - start);
                var logits = classifier.Forward(images.Narrow(0, start, count)).ToArray();
                int classes = logits.Length / count;
                for (int i = 0; i < count; i++)
                    if (FeatureClassifier.MostProbable(logits.AsSpan(i * classes, classes)) == labels[start + i]) right++;
            }
        }
        finally
        {
            classifier.Train();
        }
        return (double)right / n;
    }
}
