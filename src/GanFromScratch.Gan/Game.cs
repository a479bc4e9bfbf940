using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>The names of the players' roles: prefixes of their weights in a checkpoint ("generator.main.0.weight").</summary>
public static class Roles
{
    public const string Generator = "generator";
    public const string Critic = "critic";
    public const string Encoder = "encoder";
    public const string GeneratorEma = "generator_ema";
    public const string CriticAverage = "critic_avg";
}

/// <summary>One network of a run in its role, and the optimizer that trains it (set by the trainer).</summary>
public sealed class Player(string role, Module network)
{
    public string Role { get; } = role;
    public Module Network { get; } = network;
    public Optimizer? Optimizer { get; internal set; }
    public override string ToString() => Role;
}

/// <summary>
/// The networks of a run by role: always a generator and a critic, and whatever else a variant
/// plays with (an encoder, a Q head, a moving average of the generator). Checkpoints save and
/// load every player, and every player's optimizer, under its role.
/// </summary>
public sealed class Players
{
    private readonly Player[] _all;

    public Players(Module generator, Module critic, params Player[] others)
    {
        _all = [new Player(Roles.Generator, generator), new Player(Roles.Critic, critic), .. others];
        var repeated = _all.GroupBy(p => p.Role).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"Two players have the role '{repeated.Key}'.");
    }

    public Module Generator => _all[0].Network;
    public Module Critic => _all[1].Network;

    /// <summary>Every player, the generator and the critic first.</summary>
    public IReadOnlyList<Player> All => _all;

    /// <summary>The players an optimizer trains (not a moving average, which follows one of them).</summary>
    public IEnumerable<Player> Learning => _all.Where(p => p.Optimizer is not null);

    /// <summary>These players and <paramref name="more"/>.</summary>
    public Players With(params Player[] more) => new(Generator, Critic, [.. _all.Skip(2), .. more]);

    /// <summary>The same players with <paramref name="generator"/> in the generator's role (what samples are drawn from).</summary>
    public Players WithGenerator(Module generator) => new(generator, Critic, [.. _all.Skip(2)]);

    /// <summary>The player in <paramref name="role"/>, or null.</summary>
    public Player? Find(string role) => _all.FirstOrDefault(p => p.Role == role);

    public Player this[string role] => Find(role)
        ?? throw new ArgumentException($"There is no player '{role}' (players: {string.Join(", ", _all.Select(p => p.Role))}).");
}

/// <summary>
/// What a step of a variant's game has at hand: the players and the run's settings (the
/// variant's own options are read from them: <c>WganGp.Lambda.Of(game.Config)</c>).
/// </summary>
public sealed class Game(TrainConfig config, Players players)
{
    public TrainConfig Config { get; } = config;
    public Players Players { get; } = players;
    public Module Generator => Players.Generator;
    public Module Critic => Players.Critic;
}

/// <summary>
/// The inputs of one step, drawn by the trainer from the run's seeded streams (so that every step
/// is deterministic and a resumed run draws exactly what an uninterrupted one would).
/// </summary>
/// <param name="Noise">z, one row per sample the generator makes.</param>
public sealed record Batch(Tensor Noise)
{
    /// <summary>Real samples (critic steps; null in a generator step).</summary>
    public Tensor? Real { get; init; }

    /// <summary>The real samples' labels, as class indices held in floats [batch] (conditional variants).</summary>
    public Tensor? RealLabels { get; init; }

    /// <summary>The labels the generator is asked to make, one per noise row (conditional variants).</summary>
    public Tensor? FakeLabels { get; init; }

    /// <summary>A categorical latent code per noise row: values in [0, categories) held in floats [batch] (InfoGAN).</summary>
    public Tensor? Category { get; init; }

    /// <summary>Continuous latent codes per noise row, each U(−1, 1): [batch, codes] (InfoGAN).</summary>
    public Tensor? Continuous { get; init; }

    /// <summary>Labelled real samples from the run's labelled subset (the semi-supervised GAN's critic steps), beside the unlabelled <see cref="Real"/>.</summary>
    public Tensor? Labelled { get; init; }

    /// <summary>The labels of <see cref="Labelled"/>, class indices held in floats [batch].</summary>
    public Tensor? LabelledLabels { get; init; }

    /// <summary>Interpolation factors α ~ U[0, 1], one per sample, shaped to broadcast over a sample ([batch, 1] or [batch, 1, 1, 1]).</summary>
    public Tensor? Alpha { get; init; }

    /// <summary>The real samples, which a critic step always has.</summary>
    public Tensor RealSamples => Real ?? throw new InvalidOperationException("This batch has no real samples (a generator step's batch).");
}
