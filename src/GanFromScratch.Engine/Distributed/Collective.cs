using System.Numerics;
using System.Runtime.InteropServices;

namespace GanFromScratch.Engine.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, among the <see cref="Size"/> processes
/// (ranks) of one job: every rank calls each operation, in the same order, with buffers of the
/// same length. The seam between the trainer and a communication engine: MPI for processes on
/// CPUs (<see cref="OpenMpi"/>), one process alone (<see cref="SingleProcess"/>), and later NCCL
/// for GPUs, which would take device buffers where these take host memory.
/// </summary>
public interface ICollective : IDisposable
{
    /// <summary>This process's number, 0 … Size − 1; rank 0 writes the run's files.</summary>
    int Rank { get; }

    /// <summary>How many processes take part.</summary>
    int Size { get; }

    /// <summary>What carries the messages, for a log line ("OpenMPI 4.1.4", "one process").</summary>
    string Description { get; }

    /// <summary>Every rank's <paramref name="values"/> summed, element by element, into every rank's buffer.</summary>
    void AllreduceSum(Span<float> values);

    /// <summary>Rank <paramref name="root"/>'s <paramref name="bytes"/> copied into every other rank's buffer.</summary>
    void Broadcast(Span<byte> bytes, int root);

    /// <summary>Ends every rank of the job at once with <paramref name="exitCode"/> (after a failure on this rank); does not return.</summary>
    void Abort(int exitCode);
}

/// <summary>The operations built on the two primitives, as a data-parallel trainer uses them.</summary>
public static class Collectives
{
    /// <summary>The collective of a process that runs alone.</summary>
    public static readonly ICollective Single = new SingleProcess();

    /// <summary>The mean over the ranks, element by element, in every rank's buffer.</summary>
    public static void AllreduceMean(this ICollective ranks, Span<float> values)
    {
        if (ranks.Size == 1) return;
        ranks.AllreduceSum(values);
        Scale(values, 1f / ranks.Size);
    }

    /// <summary>Every value multiplied by <paramref name="w"/>, a vector at a time.</summary>
    private static void Scale(Span<float> values, float w)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        for (int i = 0; i < vectors.Length; i++) vectors[i] *= w;
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++) values[i] *= w;
    }

    /// <summary>Rank <paramref name="root"/>'s floats in every rank's buffer.</summary>
    public static void Broadcast(this ICollective ranks, Span<float> values, int root = 0) =>
        ranks.Broadcast(MemoryMarshal.AsBytes(values), root);

    /// <summary>Returns when every rank has called it (a one-number all-reduce): no rank ends while another still writes.</summary>
    public static void WaitForAll(this ICollective ranks) => ranks.OnAnyRank(false);

    /// <summary>Whether <paramref name="flag"/> is true on any rank (every rank gets the same answer).</summary>
    public static bool OnAnyRank(this ICollective ranks, bool flag)
    {
        if (ranks.Size == 1) return flag;
        Span<float> count = [flag ? 1f : 0f];
        ranks.AllreduceSum(count);
        return count[0] > 0;
    }
}

/// <summary>One process alone: rank 0 of 1, and every operation leaves its buffer as it is.</summary>
public sealed class SingleProcess : ICollective
{
    public int Rank => 0;
    public int Size => 1;
    public string Description => "one process";
    public void AllreduceSum(Span<float> values) { }
    public void Broadcast(Span<byte> bytes, int root) => ArgumentOutOfRangeException.ThrowIfNotEqual(root, 0);
    public void Abort(int exitCode) => Environment.Exit(exitCode);
    public void Dispose() { }
}
