using GanFromScratch.Engine.Distributed;

namespace GanFromScratch.Cli.Distributed;

/// <summary>How a command finds the other processes of its job.</summary>
internal static class Ranks
{
    /// <summary>
    /// MPI when an MPI launcher started this process or <paramref name="requested"/> (--distributed)
    /// asks for it, else this process alone. No MPI library is a usage error that names what to install.
    /// </summary>
    public static ICollective Open(bool requested)
    {
        if (!requested && !OpenMpi.Launched) return Collectives.Single;
        try
        {
            return OpenMpi.Start();
        }
        catch (MpiUnavailableException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>"rank 1 of 2", for messages.</summary>
    public static string Name(ICollective ranks) => $"rank {ranks.Rank} of {ranks.Size}";
}
