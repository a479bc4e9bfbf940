using GanFromScratch.Engine;
using GanFromScratch.Engine.Distributed;

namespace GanFromScratch.Nn;

/// <summary>
/// The two exchanges of data-parallel training, over a collective: every rank starts from rank
/// 0's tensors (<see cref="Broadcast"/>), and after each backward pass every rank's gradients are
/// replaced by their mean over the ranks (<see cref="AverageGradients"/>) — one all-reduce of one
/// fused buffer per network, not one per tensor — so every rank's optimizer takes the same step,
/// the step of the whole batch, and the replicas stay equal.
/// </summary>
public sealed class DataParallel(ICollective ranks)
{
    private readonly Dictionary<Module, float[]> _fused = [];

    public ICollective Ranks { get; } = ranks;

    /// <summary>Seconds spent averaging gradients so far (copies and all-reduce, waits for slower ranks included): what data parallelism costs.</summary>
    public double ExchangeSeconds { get; private set; }

    /// <summary>Averages the gradients of <paramref name="network"/>'s parameters (those that have one: the same on every rank, whose graphs are the same).</summary>
    public void AverageGradients(Module network)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var parameters = network.Parameters().Where(p => p.Grad is not null).ToList();
        int total = parameters.Sum(p => p.Size);
        if (!_fused.TryGetValue(network, out var fused) || fused.Length != total) _fused[network] = fused = new float[total];
        Pack(parameters.Select(p => p.Grad!), fused);
        Ranks.AllreduceMean(fused);
        // New gradient tensors rather than loads into the old ones: a gradient may share its storage with a tensor of the graph.
        int at = 0;
        foreach (var p in parameters)
        {
            p.Grad = Tensor.FromArray(fused.AsSpan(at, p.Size), p.Shape, p.Grad!.Backend);
            at += p.Size;
        }
        ExchangeSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>The tensors' values one after another in <paramref name="fused"/>.</summary>
    private static void Pack(IEnumerable<Tensor> tensors, float[] fused)
    {
        int at = 0;
        foreach (var t in tensors)
        {
            t.CopyTo(fused.AsSpan(at, t.Size));
            at += t.Size;
        }
    }

    /// <summary>Rank <paramref name="root"/>'s values of <paramref name="tensors"/> copied into every rank's (one fused broadcast).</summary>
    public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0)
    {
        var fused = new float[tensors.Sum(t => t.Size)];
        if (Ranks.Rank == root) Pack(tensors, fused);
        Ranks.Broadcast(fused.AsSpan(), root);
        if (Ranks.Rank == root) return;
        int at = 0;
        foreach (var t in tensors)
        {
            t.Load(fused.AsSpan(at, t.Size));
            at += t.Size;
        }
    }
}
