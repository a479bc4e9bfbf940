using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>The optimizer a variant trains its players with.</summary>
public enum OptimizerKind { Adam, RmsProp }

/// <summary>A variant's training settings unless the command line says otherwise.</summary>
/// <param name="Lr">The learning rate of every player's optimizer (but where <paramref name="LrG"/> or <paramref name="LrD"/> says otherwise).</param>
/// <param name="Beta1">Adam's β₁.</param>
/// <param name="Beta2">Adam's β₂.</param>
/// <param name="CriticSteps">Critic steps per generator step.</param>
/// <param name="LrG">The generator's learning rate, if not <paramref name="Lr"/>.</param>
/// <param name="LrD">The critic's learning rate, if not <paramref name="Lr"/>.</param>
/// <param name="ImageBatchSize">Samples per batch on images, if not gan_mnist.py's 50.</param>
/// <param name="SpectralNorm">Whose layers are spectrally normalized unless <c>--spectral-norm</c> says otherwise (<see cref="SpectralNormalization"/>).</param>
/// <param name="Ortho">The orthogonal regularization's β unless <c>--ortho</c> says otherwise.</param>
/// <param name="EmaDecay">The decay of the generator's moving average unless <c>--ema</c> says otherwise (0: none).</param>
/// <param name="TextCriticSteps">Critic steps per generator step on text, if not <paramref name="CriticSteps"/>.</param>
public sealed record Hyperparameters(float Lr, float Beta1 = 0.5f, float Beta2 = 0.9f, int CriticSteps = 1, OptimizerKind Optimizer = OptimizerKind.Adam,
    float? LrG = null, float? LrD = null, int? ImageBatchSize = null, string SpectralNorm = SpectralNormalization.None, float Ortho = 0f, float EmaDecay = 0f,
    int? TextCriticSteps = null);

/// <summary>How the noise z is drawn.</summary>
public enum NoiseDistribution
{
    /// <summary>N(0, 1), as gan_toy.py and gan_mnist.py draw it.</summary>
    Normal,
    /// <summary>U(−1, 1), as the InfoGAN and BiGAN authors draw it.</summary>
    Uniform,
}

/// <summary>
/// What the generator starts from: noise, and the latent codes a variant asks its generator to
/// make visible (InfoGAN's categorical and continuous codes, drawn uniformly).
/// </summary>
/// <param name="NoiseSize">Numbers of noise per sample.</param>
/// <param name="Categories">The number of values of a categorical code, or 0 for none.</param>
/// <param name="Continuous">How many continuous codes, each U(−1, 1).</param>
public sealed record Latent(int NoiseSize, NoiseDistribution Distribution = NoiseDistribution.Normal, int Categories = 0, int Continuous = 0)
{
    public bool HasCodes => Categories > 0 || Continuous > 0;
}

/// <summary>
/// One member of the GAN family: what it is called, its settings and options, the data it
/// trains on and the networks it plays with, and its game — how a critic step and a generator
/// step turn a <see cref="Batch"/> into losses. Each variant is one file under Variants/ and one
/// line in the <see cref="Registry"/>; the trainer, the command line and checkpoints ask the
/// variant and nothing else.
/// </summary>
/// <remarks>
/// One generator iteration (<see cref="Trainer.Step"/>) is the loop of the papers' algorithm boxes:
/// <code>
/// for t = 1 … critic steps:                       (the critic's players learn; the others are frozen)
///     batch ← real samples, noise (and labels, interpolation factors where the variant needs them)
///     minimise CriticLoss(batch); AfterCriticStep()    (e.g. clip the weights)
/// batch ← noise (and labels)                      (the generator's players learn; the critic is frozen)
/// minimise GeneratorLoss(batch)
/// </code>
/// </remarks>
public abstract class Variant
{
    /// <summary>The name on the command line: <c>gfs train wgan-gp</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One line for the help: what the variant is and its defaults.</summary>
    public abstract string Summary { get; }

    /// <summary>Learning rate, betas, critic steps and optimizer, unless the command line says otherwise.</summary>
    public abstract Hyperparameters Defaults { get; }

    /// <summary>The variant's own settings (<c>--lambda</c>, <c>--clip</c>, …).</summary>
    public virtual IReadOnlyList<VariantOption> Options => [];

    /// <summary>The kinds of data the variant trains on (text: only the variants whose critic can take a softmax for a one-hot, <see cref="TextData"/>).</summary>
    public virtual IReadOnlyList<DataKind> Accepts => [DataKind.Toy, DataKind.Images];

    /// <summary>The image networks unless <c>--arch</c> says otherwise (<see cref="ImageNetworks.Names"/>).</summary>
    public virtual string DefaultArch => "dcgan";

    /// <summary>The image networks <c>--arch</c> may choose for this variant.</summary>
    public virtual IReadOnlyList<string> Architectures => ImageNetworks.Names;

    /// <summary>Whether the game is conditioned on labels: batches then carry the real samples' labels and the labels asked of the generator.</summary>
    public virtual bool NeedsLabels => false;

    /// <summary>
    /// Semi-supervised variants: how many labelled training images per class the critic may learn
    /// from (a balanced subset drawn with the seed; its batches come as <see cref="Batch.Labelled"/>,
    /// every other label is never read). 0, the default: none.
    /// </summary>
    public virtual int LabelsPerClass(TrainConfig config) => 0;

    /// <summary>Whether a critic step needs interpolation factors α ~ U[0, 1] per sample (a gradient penalty).</summary>
    public virtual bool UsesInterpolates => false;

    /// <summary>
    /// What the generator starts from: by default the data's noise (N(0, 1), 2 numbers for toy points,
    /// 128 for images; BigGAN's networks take 96, split among their blocks), no codes.
    /// </summary>
    public virtual Latent Latent(TrainConfig config, DataShape data) =>
        new(NetworkBuilder.UsesBigGan(config) ? BigGanNetworks.NoiseSize : data.NoiseSize);

    /// <summary>
    /// The generator's samples for a batch's noise (and its labels or codes): what the losses and
    /// the evaluations call. By default G(z), or G(z, y) for a conditional variant.
    /// </summary>
    public virtual Tensor Generate(Game game, Batch batch) =>
        batch.FakeLabels is { } labels && NeedsLabels ? game.Generator.Forward(batch.Noise, labels) : game.Generator.Forward(batch.Noise);

    /// <summary>Measures of its own the variant adds to each evaluation (InfoGAN's mutual information); none by default.</summary>
    public virtual IEnumerable<(string Name, double Value)> Measure(Trainer trainer) => [];

    /// <summary>The names of <see cref="Measure"/>'s measures, to plot.</summary>
    public virtual IReadOnlyList<string> MeasureNames => [];

    /// <summary>Pictures of its own the variant draws at each evaluation (InfoGAN's latent traversals); none by default.</summary>
    public virtual void DrawPictures(Trainer trainer, string outDir) { }

    /// <summary>The files <see cref="DrawPictures"/> writes, for the help ("frames/traverse_iter_NNNNNN.png: …"); none by default.</summary>
    public virtual IReadOnlyList<string> PictureFiles => [];

    /// <summary>Command lines for the help, after the generic ones.</summary>
    public virtual IReadOnlyList<string> Examples => [];

    /// <summary>
    /// The networks of a run, by role. By default the data's generator and critic
    /// (<see cref="NetworkBuilder"/>: gan_toy.py's MLPs, or the image pair of <c>--arch</c>).
    /// </summary>
    public virtual Players CreatePlayers(NetworkBuilder networks) => new(networks.Generator(), networks.Critic());

    /// <summary>
    /// The weight decay wd of <paramref name="role"/>'s optimizer: wd·w added to each gradient,
    /// L2 style (torch.optim.Adam's weight_decay). 0, the default: none.
    /// </summary>
    public virtual float WeightDecay(TrainConfig config, string role) => 0f;

    /// <summary>
    /// What a fresh run does to its networks with its data before the first step — a data-dependent
    /// initialisation (the semi-supervised GAN's critic); nothing by default. Not called at a resume:
    /// the checkpoint holds the result.
    /// </summary>
    public virtual void InitializeFromData(Trainer trainer) { }

    /// <summary>Refuses players the game cannot be played with (a penalty needs a critic that treats samples one by one).</summary>
    public virtual void CheckPlayers(Players players, TrainConfig config) { }

    /// <summary>The roles that learn in a critic step; the others are frozen.</summary>
    public virtual IReadOnlyList<string> CriticStepTrains => [Roles.Critic];

    /// <summary>The roles that learn in a generator step; the others are frozen.</summary>
    public virtual IReadOnlyList<string> GeneratorStepTrains => [Roles.Generator];

    /// <summary>
    /// Whether the generator step needs real samples too (BiGAN's encoder learns from them): its
    /// batch then carries the iteration's last critic batch (and its labels), as the reference
    /// code updates all players on one batch. Nothing more is drawn from the data.
    /// </summary>
    public virtual bool GeneratorStepSeesReal => false;

    /// <summary>The critic's loss on a batch of real samples and fresh noise (to be minimised by the critic step's players).</summary>
    public abstract CriticLosses CriticLoss(Game game, Batch batch);

    /// <summary>What follows each critic step's optimizer update (a constraint on the weights, as WGAN's clipping).</summary>
    public virtual void AfterCriticStep(Game game) { }

    /// <summary>The generator's loss on a batch of fresh noise (to be minimised by the generator step's players).</summary>
    public abstract Tensor GeneratorLoss(Game game, Batch batch);

    /// <summary>
    /// The critic's score of each sample, [n, 1] — what the toy frames draw as contours and the
    /// gradient norm is taken of. By default the critic's output, given the labels if it is conditional.
    /// </summary>
    public virtual Tensor CriticScore(Game game, Tensor samples, Tensor? labels) =>
        labels is null ? game.Critic.Forward(samples) : game.Critic.Forward(samples, labels);

    public override string ToString() => Name;
}

/// <summary>The losses of one critic step, still on the device.</summary>
/// <param name="Objective">The critic's own loss (its negation is reported as <c>critic_w</c>: for the WGANs, the estimate of W1).</param>
/// <param name="Penalty">A regularizer added to it (the gradient penalty), or null.</param>
public sealed record CriticLosses(Tensor Objective, Tensor? Penalty = null)
{
    /// <summary>
    /// The variant's own measures of the step, one-element tensors outside the graph (the
    /// loss-sensitive GAN's fraction of active hinges): the last critic step's are written into
    /// metrics.jsonl at each evaluation, under these names (list them in <see cref="Variant.MeasureNames"/> to plot them).
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Value)>? Diagnostics { get; init; }

    /// <summary>What the step minimises: the objective plus the penalty.</summary>
    public Tensor Total { get; } = Penalty is null ? Objective : Objective + Penalty;
}
