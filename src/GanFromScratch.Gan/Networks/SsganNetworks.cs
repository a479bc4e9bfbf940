using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The networks of Salimans et al.'s semi-supervised MNIST experiment (2016; their
/// train_mnist_feature_matching.py), at width DIM = 64 as there (every width scales with DIM/64).
/// The critic starts as theirs (<c>--critic-init authors</c>, <see cref="InitializeFromData"/>) or
/// with g = ‖v‖ learned everywhere (<c>norm</c>, gfs's first version). Where this differs from their
/// code, as README.md (Semi-supervised) says: their generator's batch norms have no learned scale
/// (here they have one, starting at 1).
/// </summary>
public static class SsganNetworks
{
    /// <summary>The noise's length (their 100).</summary>
    public const int NoiseSize = 100;

    /// <summary>The standard deviation of the critic's Gaussian noise on its input, and on each hidden layer.</summary>
    public const float InputNoise = 0.3f, HiddenNoise = 0.5f;

    /// <summary>A width of the authors' networks at DIM = 64, scaled to DIM.</summary>
    public static int Units(int authors, int dim) => Math.Max(1, authors * dim / 64);

    /// <summary>G(z): FC 500, BN, softplus → FC 500, BN, softplus → weight-normalized FC to the pixels, sigmoid.</summary>
    public static Sequential Generator(int noise, int dim, int[] sample, RandomStream init)
    {
        int h = Units(500, dim);
        return new Sequential(
            new Linear(noise, h, init), new BatchNorm(h), new Softplus(),
            new Linear(h, h, init), new BatchNorm(h), new Softplus(),
            new WeightNormLinear(h, sample.Aggregate(1, (a, b) => a * b), init), new Sigmoid(), new Unflatten(sample));
    }

    /// <summary>
    /// The critic, a K-class classifier: Gaussian noise σ 0.3 on the pixels → weight-normalized FC
    /// 1000, 500, 250, 250, 250, each ReLU then noise σ 0.5 (the last noise in the head) → FC to the
    /// K class logits. Its noise comes from <paramref name="noise"/>'s stream. With
    /// <paramref name="authors"/> its layers are the authors' nn.DenseLayer: directions v ~ N(0, 0.1²)
    /// and the hidden layers' lengths fixed (buffers), to be set by <see cref="InitializeFromData"/>;
    /// else v ~ N(0, 0.05²) and every g = ‖v‖, learned.
    /// </summary>
    public static FeatureCritic Critic(int dim, int[] sample, int classes, RandomStream init, RandomStream noise, bool authors = false)
    {
        float std = authors ? 0.1f : 0.05f;
        int[] widths = [.. new[] { 1000, 500, 250, 250, 250 }.Select(w => Units(w, dim))];
        var body = new List<Module> { new Flatten(), new GaussianNoise(InputNoise, noise) };
        int inputs = sample.Aggregate(1, (a, b) => a * b);
        for (int i = 0; i < widths.Length; i++)
        {
            if (i > 0) body.Add(new GaussianNoise(HiddenNoise, noise));
            body.Add(new WeightNormLinear(i == 0 ? inputs : widths[i - 1], widths[i], init, std, learnLength: !authors));
            body.Add(new Relu());
        }
        return new FeatureCritic(new Sequential([.. body]), new Sequential(new GaussianNoise(HiddenNoise, noise), new WeightNormLinear(widths[^1], classes, init, std)));
    }

    /// <summary>Images the data-dependent initialisation reads (the authors' 500).</summary>
    public const int InitImages = 500;

    /// <summary>
    /// The authors' data-dependent initialisation of the critic (their <c>init_param(trainx[:500])</c>):
    /// <paramref name="images"/> pass through it in training mode — its noise on, as theirs — and each
    /// weight-normalized layer in turn sets its length and bias so that its pre-activations on them
    /// have mean 0 and standard deviation 1 (<see cref="WeightNormLinear.InitializeFromData"/>); the
    /// next layer sees those normalized outputs.
    /// </summary>
    public static void InitializeFromData(FeatureCritic critic, Tensor images)
    {
        using var _ = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        critic.Train();
        var x = images;
        foreach (var layer in critic.Body.Layers.Concat(critic.Head.Layers))
            x = layer is WeightNormLinear l ? l.InitializeFromData(x) : layer.Forward(x);
    }
}

/// <summary>
/// A critic whose last hidden layer is a product of its own: Forward(x) = head(features(x)), and
/// <see cref="Features"/> gives the features alone (what the semi-supervised GAN's generator
/// matches). Its weights: "body.", "head.".
/// </summary>
public sealed class FeatureCritic : Module
{
    public FeatureCritic(Sequential body, Sequential head)
    {
        Body = RegisterModule("body", body);
        Head = RegisterModule("head", head);
    }

    public Sequential Body { get; }
    public Sequential Head { get; }

    /// <summary>The last hidden layer's activations, [n, features].</summary>
    public Tensor Features(Tensor x) => Body.Forward(x);

    public override Tensor Forward(Tensor x) => Head.Forward(Body.Forward(x));
}
