using GanFromScratch.Engine;
using GanFromScratch.Engine.Distributed;
using GanFromScratch.Gan.Data;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>The losses of one generator iteration.</summary>
/// <param name="CriticW">The negated critic objective without the penalty (for the WGANs, the critic's estimate of W1).</param>
/// <param name="CriticLoss">The critic's full loss, penalty included, at its last step.</param>
/// <param name="GLoss">The generator's loss.</param>
/// <param name="Penalty">The penalty at the last critic step (0 without one).</param>
/// <param name="Diagnostics">The variant's own measures of its last critic step (<see cref="CriticLosses.Diagnostics"/>), or null.</param>
public readonly record struct StepLosses(float CriticW, float CriticLoss, float GLoss, float Penalty, IReadOnlyList<(string Name, float Value)>? Diagnostics = null);

/// <summary>
/// Trains a GAN of any variant on any kind of data: the variant's players and their optimizers,
/// the data side (<see cref="IGanData"/>), the random streams, and one generator iteration
/// (<see cref="Step"/>) at a time. Every random number comes from a named stream of the run's
/// seed — 0 the initial weights, 1 the toy data, 2 the noise, 3 the interpolation factors, 4 the
/// labels asked of a conditional generator, 5 latent codes, 10 and up the evaluations', 21 spectral
/// normalization's starting vectors — so a seed fixes the run,
/// and a checkpoint that saves each stream's offset resumes it exactly.
/// </summary>
public sealed partial class Trainer
{
    private readonly RandomStream _noise, _alpha, _labels, _codes;
    private readonly Player[] _criticStepPlayers, _generatorStepPlayers;

    /// <param name="config">The run's settings (validated here).</param>
    /// <param name="data">Its data side; its shape must be the configuration's.</param>
    public Trainer(TrainConfig config, IGanData data)
    {
        config.Validate();
        Config = config = config.WithEveryOption();
        Variant = config.Rules;
        Data = data;
        Players = MakePlayers(config, data);
        if (config.EmaDecay > 0) // the averaged generator starts as the generator: built again from the same streams
            Players = Players.With(new Player(Roles.GeneratorEma, MakePlayers(config, data).Generator));
        Variant.CheckPlayers(Players, config);
        (_noise, _alpha, _labels, _codes) = (config.Stream(2), config.Stream(3), config.Stream(4), config.Stream(5));
        Latent = Variant.Latent(config, data.Shape);
        _criticStepPlayers = [.. Variant.CriticStepTrains.Select(role => Players[role])];
        _generatorStepPlayers = [.. Variant.GeneratorStepTrains.Select(role => Players[role])];
        foreach (var player in _criticStepPlayers.Concat(_generatorStepPlayers).Distinct())
            player.Optimizer = MakeOptimizer(player.Network, config.LrFor(player.Role), Variant.WeightDecay(config, player.Role));
        Game = new Game(config, Players);
        SamplingGame = Players.Find(Roles.GeneratorEma) is { } ema ? new Game(config, Players.WithGenerator(ema.Network)) : Game;
    }

    /// <summary>A fresh run: the trainer, its networks then initialised from the data where the variant does so (<see cref="Variant.InitializeFromData"/>).</summary>
    public static Trainer Start(TrainConfig config, IGanData data)
    {
        var trainer = new Trainer(config, data);
        trainer.Variant.InitializeFromData(trainer);
        return trainer;
    }

    private static Players MakePlayers(TrainConfig config, IGanData data)
    {
        var players = config.Rules.CreatePlayers(new NetworkBuilder(config, data.Shape, config.Stream(0)));
        SpectralNormalization.Apply(players, config);
        return players;
    }

    public TrainConfig Config { get; }
    public Variant Variant { get; }
    public IGanData Data { get; }
    public Players Players { get; }
    public Game Game { get; }

    /// <summary>The game whose generator draws the samples and is evaluated: the moving average with <c>--ema</c>, else <see cref="Game"/>.</summary>
    public Game SamplingGame { get; }

    /// <summary>Whether the run keeps a moving average of the generator.</summary>
    public bool HasMovingAverage => !ReferenceEquals(SamplingGame, Game);

    private bool _standingStatistics;

    /// <summary>Samples in the batch whose statistics the averaged generator's batch norms take.</summary>
    public const int StandingBatch = 500;

    /// <summary>
    /// Before samples are drawn from the moving average: its batch norms' running statistics set to
    /// those of a batch of 500 of its own samples (noise from stream 22 of the seed; for a conditional
    /// generator every class in turn) — BigGAN's standing statistics — once per change of its weights.
    /// A function of the averaged weights alone, so a resumed run gets the same.
    /// </summary>
    public void PrepareSampling()
    {
        if (!HasMovingAverage || _standingStatistics) return;
        var stream = Config.Stream(22);
        BatchStatistics.Recompute(SamplingGame.Generator, () =>
        {
            var batch = new Batch(Noise(StandingBatch, stream))
            {
                FakeLabels = BalancedLabels(StandingBatch) is { } labels ? Tensor.FromArray([.. labels.Select(l => (float)l)], StandingBatch) : null,
            };
            Variant.Generate(SamplingGame, WithCodes(batch, stream));
        });
        _standingStatistics = true;
    }

    /// <summary>What the generator starts from: the noise and the variant's latent codes.</summary>
    public Latent Latent { get; }

    /// <summary>Generator iterations completed.</summary>
    public int Iteration { get; internal set; }

    /// <summary>Seconds of training before this process (from the checkpoint).</summary>
    public double PriorSeconds { get; internal set; }

    private Optimizer MakeOptimizer(Module network, float lr, float weightDecay) => Variant.Defaults.Optimizer switch
    {
        OptimizerKind.RmsProp => new RmsProp(network.NamedParameters(), lr, weightDecay: weightDecay),
        _ => new Adam(network.NamedParameters(), lr, Config.Beta1, Config.Beta2, weightDecay: weightDecay),
    };

    /// <summary>
    /// One generator iteration: <see cref="TrainConfig.CriticIters"/> critic steps, each on the
    /// next real batch and fresh noise, then one generator step on fresh noise. With
    /// <c>--accumulate N</c> each step is N micro-batches of the batch size, each with its own real
    /// samples and draws, their gradients summed with weight 1/N before the optimizer's one step:
    /// the step of one batch N times larger (the draws come from the same streams in the same
    /// order), where no batch norm mixes samples. The real batches of all critic steps are drawn
    /// at once (one upload); each step runs in its own <see cref="TensorScope"/>; the losses are
    /// read once, at the end (the last critic step's and the generator's), so nothing else waits
    /// for a GPU. A non-finite loss stops the run.
    /// </summary>
    public StepLosses Step()
    {
        foreach (var network in _synchronized) SyncBatchNorm.Apply(network, Ranks);
        try
        {
            return TakeStep();
        }
        finally
        {
            foreach (var network in _synchronized) SyncBatchNorm.Apply(network, null);
        }
    }

    private StepLosses TakeStep()
    {
        using var whole = TensorScope.Begin();
        int steps = Config.CriticIters, batch = Config.BatchSize, micro = Config.Accumulate;
        bool labels = Variant.NeedsLabels;
        var (real, realLabels) = Data.NextReal(steps * micro * batch, labels);
        var (labelled, labelledLabels) = Variant.LabelsPerClass(Config) > 0 ? Data.NextLabelled(steps * micro * batch) : default((Tensor?, Tensor?));
        Tensor objective = null!, total = null!;
        Tensor? penalty = null;
        IReadOnlyList<(string Name, Tensor Value)>? diagnostics = null;
        for (int k = 0; k < steps; k++)
        {
            using var scope = TensorScope.Begin();
            var batches = new Batch[micro];
            for (int j = 0; j < micro; j++)
            {
                int first = (k * micro + j) * batch;
                batches[j] = Share(WithCodes(new Batch(Noise(batch, _noise))
                {
                    Real = real.Narrow(0, first, batch),
                    Alpha = Variant.UsesInterpolates ? Tensor.Rand([batch, .. Data.Shape.Sample.Select(_ => 1)], _alpha) : null,
                    RealLabels = realLabels?.Narrow(0, first, batch),
                    Labelled = labelled?.Narrow(0, first, batch),
                    LabelledLabels = labelledLabels?.Narrow(0, first, batch),
                    FakeLabels = labels ? FakeLabels(batch) : null,
                }, _codes));
            }
            var losses = CriticStep(batches);
            if (k < steps - 1) continue;
            (objective, total) = (scope.Keep(losses.Objective), scope.Keep(losses.Total));
            if (losses.Penalty is { } p) penalty = scope.Keep(p);
            diagnostics = losses.Diagnostics?.Select(d => (d.Name, scope.Keep(d.Value))).ToList();
        }
        FaultInjection.Reach("step"); // a crash in the middle of an iteration
        Tensor gLoss;
        using (var scope = TensorScope.Begin())
        {
            var batches = new Batch[micro];
            for (int j = 0; j < micro; j++)
            {
                var b = new Batch(Noise(batch, _noise)) { FakeLabels = labels ? FakeLabels(batch) : null };
                int first = ((steps - 1) * micro + j) * batch;
                if (Variant.GeneratorStepSeesReal)
                    b = b with { Real = real.Narrow(0, first, batch), RealLabels = realLabels?.Narrow(0, first, batch) };
                batches[j] = Share(WithCodes(b, _codes));
            }
            gLoss = scope.Keep(GeneratorStep(batches));
        }
        if (HasMovingAverage)
        {
            MovingAverage.Update(SamplingGame.Generator, Players.Generator, Iteration + 1 >= Config.EmaStart ? Config.EmaDecay : 0f);
            _standingStatistics = false;
        }
        Tensor[] read = [objective, total, gLoss, penalty ?? objective, .. diagnostics?.Select(d => d.Value) ?? []];
        var values = Tensor.Items(read);
        Ranks.AllreduceMean(values); // the whole batch's losses: the mean of the ranks' equal shares
        if (!float.IsFinite(values[1])) throw Diverged(Iteration + 1, "critic loss");
        if (!float.IsFinite(values[2])) throw Diverged(Iteration + 1, "generator loss");
        Iteration++;
        return new StepLosses(-values[0], values[1], values[2], penalty is null ? 0f : values[3],
            diagnostics?.Select((d, i) => (d.Name, values[4 + i])).ToList());
    }

    /// <summary>
    /// One critic step on <paramref name="batch"/>: the variant's critic loss, minimised by the
    /// critic step's players (the others frozen), then what follows it (a weight constraint).
    /// Call inside a <see cref="TensorScope"/>.
    /// </summary>
    public CriticLosses CriticStep(Batch batch) => CriticStep([batch]);

    /// <summary>One critic step on micro-batches whose gradients add up, each with weight 1/count; returns the losses averaged over them.</summary>
    public CriticLosses CriticStep(IReadOnlyList<Batch> batches)
    {
        var losses = Learn(_criticStepPlayers, batches.Count, j => Variant.CriticLoss(Game, batches[j]), l => l.Total,
            (scope, l) =>
            {
                scope.Keep(l.Objective);
                if (l.Penalty is { } p) scope.Keep(p);
                foreach (var (_, d) in l.Diagnostics ?? []) scope.Keep(d);
            });
        Variant.AfterCriticStep(Game);
        if (losses.Count == 1) return losses[0];
        float w = 1f / losses.Count;
        return new CriticLosses(w * Sum(losses.Select(l => l.Objective)), losses[0].Penalty is null ? null : w * Sum(losses.Select(l => l.Penalty!)))
        {
            Diagnostics = losses[0].Diagnostics?.Select((d, i) => (d.Name, w * Sum(losses.Select(l => l.Diagnostics![i].Value)))).ToList(),
        };
    }

    /// <summary>
    /// One generator step on <paramref name="batch"/>: the variant's generator loss plus, with
    /// <c>--ortho β</c>, the orthogonal regularization of the generator's weights; returns the
    /// variant's loss alone. Call inside a <see cref="TensorScope"/>.
    /// </summary>
    public Tensor GeneratorStep(Batch batch) => GeneratorStep([batch]);

    /// <summary>One generator step on micro-batches whose gradients add up, each with weight 1/count; returns the loss averaged over them.</summary>
    public Tensor GeneratorStep(IReadOnlyList<Batch> batches)
    {
        var losses = Learn(_generatorStepPlayers, batches.Count, j => Variant.GeneratorLoss(Game, batches[j]),
            loss => Config.Ortho > 0 ? loss + OrthogonalRegularization.Of(Players.Generator, Config.Ortho) : loss,
            (scope, loss) => scope.Keep(loss));
        return losses.Count == 1 ? losses[0] : (1f / losses.Count) * Sum(losses);
    }

    private static Tensor Sum(IEnumerable<Tensor> terms) => terms.Aggregate((a, b) => a + b);

    /// <summary>
    /// One step of the game: the <paramref name="learners"/> learn, every other player is frozen
    /// (no gradient is formed for its weights, as the reference scripts freeze the critic while the
    /// generator learns); the loss of each of <paramref name="count"/> micro-batches is computed
    /// and back-propagated (weighted 1/count, each in a scope of its own that keeps what
    /// <paramref name="keep"/> and the learners' gradients need), and each learner's optimizer
    /// takes its step on the summed gradients.
    /// </summary>
    private List<T> Learn<T>(Player[] learners, int count, Func<int, T> loss, Func<T, Tensor> total, Action<TensorScope, T> keep)
    {
        foreach (var player in Players.All) player.Network.RequiresGrad_(learners.Contains(player));
        try
        {
            var results = new List<T>(count);
            if (count == 1)
            {
                var result = loss(0);
                total(result).Backward();
                results.Add(result);
            }
            else
                for (int j = 0; j < count; j++)
                {
                    using var scope = TensorScope.Begin();
                    var result = loss(j);
                    ((1f / count) * total(result)).Backward();
                    keep(scope, result);
                    foreach (var learner in learners)
                        foreach (var p in learner.Network.Parameters())
                            if (p.Grad is { } g) scope.Keep(g);
                    results.Add(result);
                }
            foreach (var learner in learners)
            {
                _parallel?.AverageGradients(learner.Network);
                learner.Optimizer!.Step();
                learner.Optimizer.ZeroGrad();
            }
            return results;
        }
        finally
        {
            foreach (var player in Players.All) player.Network.RequiresGrad_(true);
        }
    }

    /// <summary>What stops a run whose <paramref name="what"/> went NaN or infinite at <paramref name="iteration"/>.</summary>
    public static RunDivergedException Diverged(int iteration, string what) =>
        new(iteration, $"The {what} became NaN or infinite at iteration {iteration}.");

    /// <summary>n rows of noise from <paramref name="stream"/>, as the variant's latent draws it.</summary>
    private Tensor Noise(int n, RandomStream stream) => Draw([n, Latent.NoiseSize], stream);

    private Tensor Draw(int[] shape, RandomStream stream) => Latent.Distribution == NoiseDistribution.Uniform
        ? Tensor.Rand(shape, stream, -1f, 1f)
        : Tensor.Randn(shape, stream);

    /// <summary>
    /// The truncation trick (BigGAN, section 3.1): n rows of noise as <see cref="Noise(int, RandomStream)"/>
    /// draws them, every value with |zᵢ| &gt; <paramref name="truncation"/> drawn again from the same
    /// stream until it falls within (a truncated normal by rejection, the same for a seed on every backend).
    /// </summary>
    public Tensor TruncatedNoise(int n, RandomStream stream, float truncation)
    {
        if (!(truncation > 0) || float.IsInfinity(truncation)) throw new ArgumentOutOfRangeException(nameof(truncation), $"The truncation must be a positive number, got {truncation}.");
        var z = Noise(n, stream).ToArray();
        var outside = Enumerable.Range(0, z.Length).Where(i => MathF.Abs(z[i]) > truncation).ToList();
        while (outside.Count > 0)
        {
            var redrawn = Draw([outside.Count], stream).ToArray();
            var still = new List<int>();
            for (int j = 0; j < outside.Count; j++)
            {
                z[outside[j]] = redrawn[j];
                if (MathF.Abs(redrawn[j]) > truncation) still.Add(outside[j]);
            }
            outside = still;
        }
        return Tensor.FromArray(z, n, Latent.NoiseSize);
    }

    /// <summary>The batch with the variant's latent codes drawn from <paramref name="stream"/> (unchanged when it has none).</summary>
    private Batch WithCodes(Batch batch, RandomStream stream)
    {
        if (!Latent.HasCodes) return batch;
        int n = batch.Noise.Shape[0];
        return batch with
        {
            Category = Latent.Categories > 0 ? RandomLabels(n, Latent.Categories, stream) : null,
            Continuous = Latent.Continuous > 0 ? Tensor.Rand([n, Latent.Continuous], stream, -1f, 1f) : null,
        };
    }

    /// <summary>
    /// Labels for <paramref name="n"/> samples of a conditional generator, every class in turn
    /// (label of sample i = i mod classes, so any prefix is balanced); null for an unconditional one.
    /// </summary>
    public int[]? BalancedLabels(int n) => Variant.NeedsLabels ? [.. Enumerable.Range(0, n).Select(i => i % Data.Shape.Classes)] : null;

    /// <summary>Labels asked of the generator: uniform over the classes, as the real data's are.</summary>
    private Tensor FakeLabels(int n) => RandomLabels(n, Data.Shape.Classes, _labels);

    /// <summary>n class indices uniform over [0, classes), drawn on the host from the stream (so every backend gets the same), as floats [n].</summary>
    public static Tensor RandomLabels(int n, int classes, RandomStream stream)
    {
        ulong start = stream.Advance(n);
        var labels = new float[n];
        for (int i = 0; i < n; i++)
            labels[i] = Math.Min(classes - 1, (int)(Kernels.Philox.Uniform(stream.Seed, start + (ulong)i, 0f, 1f) * classes));
        return Tensor.FromArray(labels, n);
    }

    /// <summary>
    /// <paramref name="n"/> samples from noise drawn from <paramref name="noise"/> (and, for a
    /// conditional generator, the given <paramref name="labels"/>; a variant's latent codes are
    /// drawn from the same stream unless given), in evaluation mode (batch norm's running
    /// statistics), without gradients — from the moving average of the generator where the run keeps
    /// one, unless <paramref name="raw"/> asks for the learning generator; with <paramref name="truncation"/>
    /// T, from noise truncated to [−T, T] (<see cref="TruncatedNoise"/>).
    /// </summary>
    public Tensor Generate(int n, RandomStream noise, Tensor? labels = null, Tensor? category = null, Tensor? continuous = null, bool raw = false,
        float? truncation = null)
    {
        var game = raw ? Game : SamplingGame;
        if (!raw) PrepareSampling();
        var g = game.Generator;
        g.Eval();
        try
        {
            using (Autograd.NoGrad())
            {
                var batch = new Batch(truncation is { } t ? TruncatedNoise(n, noise, t) : Noise(n, noise)) { FakeLabels = labels };
                if (Latent.HasCodes)
                {
                    var drawn = WithCodes(batch, noise);
                    batch = batch with { Category = category ?? drawn.Category, Continuous = continuous ?? drawn.Continuous };
                }
                return Variant.Generate(game, batch);
            }
        }
        finally
        {
            g.Train();
        }
    }

    /// <summary>
    /// For the time a measurement runs (evaluations, pictures): the buffers of the learning players are
    /// written back afterwards. The critic's scores and their gradient norm are taken in training mode,
    /// which moves batch norm's running statistics and steps spectral norm's power iteration; kept,
    /// those moves would make a run's training depend on how often it is evaluated (and a run resumed
    /// off the evaluation grid differ from an uninterrupted one, and rank 0, which alone evaluates,
    /// differ from the other ranks).
    /// </summary>
    public IDisposable Measuring() => Module.KeepBuffers(Players.Learning.Select(p => p.Network));

    /// <summary>The critic's score of each sample, [n, 1] (see <see cref="Variant.CriticScore"/>): what the pictures and the gradient norm show.</summary>
    public Tensor CriticScore(Tensor samples, Tensor? labels = null) => Variant.CriticScore(Game, samples, labels);

    // ---- checkpoints ------------------------------------------------------------------------

    /// <summary>The stream positions a checkpoint saves: the data's, then the trainer's.</summary>
    internal IEnumerable<(string Key, ulong Value)> Positions() =>
        Data.Positions().Concat([("rng.noise", _noise.Offset), ("rng.alpha", _alpha.Offset), ("rng.labels", _labels.Offset), ("rng.codes", _codes.Offset)])
            .Concat(NetworkStreams().Select(s => (s.Key, s.Stream.Offset)));

    internal void RestorePositions(Func<string, ulong> read)
    {
        Data.Restore(read);
        _noise.Offset = read("rng.noise");
        _alpha.Offset = read("rng.alpha");
        _labels.Offset = read("rng.labels");
        _codes.Offset = read("rng.codes");
        foreach (var (key, stream) in NetworkStreams()) stream.Offset = read(key);
    }

    /// <summary>The random streams inside the players' networks (noise layers, dropout), each once: "rng.critic.0", ….</summary>
    private IEnumerable<(string Key, RandomStream Stream)> NetworkStreams() =>
        Players.All.SelectMany(p => p.Network.Modules().OfType<Nn.IStochastic>().Select(m => m.Random).Distinct()
            .Select((stream, i) => ($"rng.{p.Role}.{i}", stream)));

    /// <summary>Everything needed to continue, copied to the host (see <see cref="Checkpoint"/>).</summary>
    public CheckpointSnapshot Snapshot(double elapsedSeconds) => Checkpoint.Take(this, elapsedSeconds);
}
