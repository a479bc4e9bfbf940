using GanFromScratch.Engine;
using GanFromScratch.Engine.Distributed;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The trainer's data parallelism: how a run joins the ranks of an MPI job (<see cref="Distribute"/>),
/// which rows of a batch this rank computes (<see cref="Share"/>), and whether its batch norms see
/// every rank's rows. The averaging itself is <see cref="DataParallel"/>'s, called from the step.
/// </summary>
public sealed partial class Trainer
{
    /// <summary>
    /// The processes this run trains on: this one alone, unless <see cref="Distribute"/> joined it
    /// to an MPI job's ranks, each of which then computes its share of every batch.
    /// </summary>
    public ICollective Ranks => _parallel?.Ranks ?? Collectives.Single;

    private DataParallel? _parallel;

    /// <summary>The networks whose batch norms are synchronized during the training steps (none unless asked).</summary>
    private Module[] _synchronized = [];

    /// <summary>Whether batch norm takes its statistics over every rank's rows in the training steps.</summary>
    public bool SyncsBatchNorm => _synchronized.Length > 0;

    /// <summary>Whether a network trained in the steps normalizes by batch statistics (which, over ranks, are per rank unless synchronized).</summary>
    public bool HasBatchNorm => Players.Learning.Any(p => BatchStatistics.Buffers(p.Network).Any());

    /// <summary>Seconds this rank has spent averaging gradients with the others (0 in one process).</summary>
    public double ExchangeSeconds => _parallel?.ExchangeSeconds ?? 0;

    /// <summary>
    /// Data parallelism over <paramref name="ranks"/>: every batch is drawn whole, from the same
    /// streams as in one process, and rank r computes rows [r·B/N, (r+1)·B/N) of it (so a run's
    /// numbers, its checkpoints and their resumption do not depend on the rank count, up to the
    /// order of additions); the gradients are averaged over the ranks before every optimizer step
    /// and the reported losses after every iteration. Every rank starts from rank 0's state (its
    /// weights, optimizer moments, counters and stream positions: a fresh run's or a resumed one's).
    /// Batch norm normalizes each rank's rows alone unless <paramref name="syncBatchNorm"/> (its
    /// statistics are then per rank, as in PyTorch's DistributedDataParallel without SyncBatchNorm).
    /// </summary>
    /// <param name="syncBatchNorm">
    /// Batch norm over every rank's rows instead (synchronized batch norm), during the training steps —
    /// the forwards every rank takes together; evaluations (rank 0 alone) keep their own rows. Then the
    /// run normalizes as one process of the whole batch does.
    /// </param>
    public void Distribute(ICollective ranks, bool syncBatchNorm = false)
    {
        if (ranks.Size == 1) return;
        if (Config.BatchSize % ranks.Size != 0)
            throw new ArgumentException($"The batch of {Config.BatchSize} does not split evenly among {ranks.Size} ranks: give a --batch-size that is a multiple of {ranks.Size}.");
        if (NetworkStreams().Any())
            throw new ArgumentException($"The {Variant.Name} networks draw noise inside themselves (dropout or noise layers), which is not yet split among ranks: " +
                                        "train this variant in one process.");
        if (!syncBatchNorm && Config.BatchSize / ranks.Size < 2 &&
            Players.All.Any(p => p.Network.Modules().Any(m => m is BatchNorm or ConditionalBatchNorm)))
            throw new ArgumentException($"Each of the {ranks.Size} ranks would normalize its batch norms over {Config.BatchSize / ranks.Size} row, and batch " +
                                        "norm needs at least 2: give --sync-batch-norm (the statistics over every rank's rows) or a larger --batch-size.");
        RequireSameRun(ranks, syncBatchNorm);
        if (syncBatchNorm) _synchronized = [.. Variant.CriticStepTrains.Concat(Variant.GeneratorStepTrains).Distinct().Select(role => Players[role].Network)];
        _parallel = new DataParallel(ranks);
        _parallel.Broadcast(Checkpoint.State(Players).Select(s => s.Value).ToList());
        var counters = Positions().Select(p => p.Value)
            .Concat(Players.Learning.Select(p => (ulong)p.Optimizer!.StepCount))
            .Append((ulong)Iteration).Append((ulong)BitConverter.DoubleToInt64Bits(PriorSeconds)).ToArray();
        ranks.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(counters.AsSpan()), 0);
        var keys = Positions().Select(p => p.Key).ToList();
        RestorePositions(key => counters[keys.IndexOf(key)]);
        int at = keys.Count;
        foreach (var p in Players.Learning) p.Optimizer!.StepCount = (long)counters[at++];
        Iteration = (int)counters[at++];
        PriorSeconds = BitConverter.Int64BitsToDouble((long)counters[at]);
    }

    /// <summary>
    /// Every rank must run the same loop on the same shapes, or its collective calls would not match
    /// rank 0's (a hang, or MPI's error on a wrong size): what fixes the loop and the shapes is
    /// compared with rank 0's first, and a rank started otherwise is named.
    /// </summary>
    private void RequireSameRun(ICollective ranks, bool syncBatchNorm)
    {
        (string Name, long Value)[] mine =
        [
            ("batch size", Config.BatchSize), ("critic steps", Config.CriticIters), ("micro-batches", Config.Accumulate),
            ("iterations", Config.Iters), ("evaluation interval", Config.EvalEvery), ("iteration", Iteration),
            ("values in the weights and optimizer state", Checkpoint.State(Players).Sum(s => (long)s.Value.Size)),
            ("random streams", Positions().Count()), ("synchronized batch norm (1 = on)", syncBatchNorm ? 1 : 0),
            ("variant (a hash of its name)", Variant.Name.Aggregate(17L, (h, c) => unchecked(h * 31 + c))),
        ];
        var first = mine.Select(m => m.Value).ToArray();
        ranks.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(first.AsSpan()), 0);
        int differs = Enumerable.Range(0, mine.Length).FirstOrDefault(i => mine[i].Value != first[i], -1);
        if (!ranks.OnAnyRank(differs >= 0)) return;
        throw new ArgumentException(differs >= 0
            ? $"Rank {ranks.Rank} was started with other settings than rank 0 ({mine[differs].Name}: {mine[differs].Value} here, {first[differs]} on rank 0). " +
              "Start every rank with the same command, on the same data and checkpoint."
            : "Another rank was started with other settings than rank 0 (its message names them). Start every rank with the same command.");
    }

    /// <summary>This rank's rows of a whole batch (the batch itself in one process).</summary>
    public Batch Share(Batch batch)
    {
        if (_parallel is null) return batch;
        return batch with
        {
            Noise = Rows(batch.Noise)!, Real = Rows(batch.Real), RealLabels = Rows(batch.RealLabels), FakeLabels = Rows(batch.FakeLabels),
            Category = Rows(batch.Category), Continuous = Rows(batch.Continuous), Labelled = Rows(batch.Labelled),
            LabelledLabels = Rows(batch.LabelledLabels), Alpha = Rows(batch.Alpha),
        };
    }

    private Tensor? Rows(Tensor? whole)
    {
        if (whole is null) return null;
        int share = whole.Shape[0] / Ranks.Size;
        return whole.Narrow(0, Ranks.Rank * share, share);
    }
}
