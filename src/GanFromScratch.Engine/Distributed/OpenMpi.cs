using System.Runtime.InteropServices;
using System.Text;

namespace GanFromScratch.Engine.Distributed;

/// <summary>MPI is wanted but cannot be used here: the message says what to install or how to start gfs.</summary>
public sealed class MpiUnavailableException(string message) : Exception(message);

/// <summary>
/// The collective operations over OpenMPI's C library, bound by hand: seven functions and four
/// predefined handles, where a binding package would bring hundreds (MPI.NET, the package there
/// is, calls Microsoft MPI's msmpi.dll, which Linux does not have). OpenMPI's handles
/// (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, …) are the addresses of its <c>ompi_mpi_*</c> objects,
/// so they are found as exported symbols; MPICH, whose handles are integers, is another ABI and
/// is refused with that said. MPI is started once per process (<see cref="Start"/>) and finished
/// by <see cref="Dispose"/>; an error in an MPI call ends the whole job (MPI's default handler).
/// </summary>
public sealed unsafe class OpenMpi : ICollective
{
    /// <summary>The environment variable that names another MPI library file than <see cref="DefaultLibrary"/>.</summary>
    public const string LibraryVariable = "GFS_MPI_LIBRARY";

    public const string DefaultLibrary = "libmpi.so.40";

    /// <summary>What a Debian machine needs to run gfs under MPI.</summary>
    public const string Install = "apt-get install openmpi-bin libopenmpi-dev";

    private const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED: calls from any thread, one at a time
    private static readonly void* InPlace = (void*)1; // OpenMPI's MPI_IN_PLACE

    private readonly nint _world, _float, _byte, _sum;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;
    private bool _finished;

    private static OpenMpi? _started;

    /// <summary>
    /// Whether this process was started by an MPI launcher (<c>mpirun</c>, <c>mpiexec</c>, <c>srun</c>):
    /// what the launchers put in the environment of every rank they start.
    /// </summary>
    public static bool Launched => FirstSet("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE") is not null;

    /// <summary>This process's rank in the job as its launcher numbered it (OMPI_COMM_WORLD_RANK, PMIX_RANK or PMI_RANK), or null outside a launcher: known before MPI starts.</summary>
    public static int? LaunchedRank =>
        int.TryParse(FirstSet("OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"), out int rank) ? rank : null;

    /// <summary>This process's rank among the job's processes on its machine (the launcher's OMPI_COMM_WORLD_LOCAL_RANK or MPI_LOCALRANKID), 0 outside a launcher: which GPU it takes.</summary>
    public static int LaunchedLocalRank =>
        int.TryParse(FirstSet("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"), out int rank) ? rank : 0;

    /// <summary>The value of the first of these environment variables that is set, or null.</summary>
    private static string? FirstSet(params string[] variables) =>
        variables.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => v is not null);

    /// <summary>Starts MPI in this process (once; later calls return the same), or says what is missing.</summary>
    public static OpenMpi Start() => _started ??= new OpenMpi();

    private OpenMpi()
    {
        string file = Environment.GetEnvironmentVariable(LibraryVariable) is { Length: > 0 } named ? named : DefaultLibrary;
        if (!NativeLibrary.TryLoad(file, out nint library))
            throw new MpiUnavailableException($"Training on several processes needs OpenMPI's library, and {file} could not be loaded. " +
                                              $"Install it ({Install}) and start gfs with mpirun: mpirun -np 2 gfs train …");
        nint Symbol(string name) => NativeLibrary.TryGetExport(library, name, out nint address) ? address
            : throw new MpiUnavailableException($"{file} has no '{name}': it is not OpenMPI's library (MPICH and others have another binary " +
                                                $"interface, which gfs does not bind). Install OpenMPI ({Install}), or name its libmpi.so in {LibraryVariable}.");
        (_world, _float, _byte, _sum) = (Symbol("ompi_mpi_comm_world"), Symbol("ompi_mpi_float"), Symbol("ompi_mpi_byte"), Symbol("ompi_mpi_op_sum"));
        var initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Symbol("MPI_Init_thread");
        var commRank = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_rank");
        var commSize = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_size");
        var version = (delegate* unmanaged<byte*, int*, int>)Symbol("MPI_Get_library_version");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Symbol("MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Symbol("MPI_Bcast");
        _abort = (delegate* unmanaged<nint, int, int>)Symbol("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Symbol("MPI_Finalize");

        int provided, rank, size;
        Check(initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        Check(commRank(_world, &rank), "MPI_Comm_rank");
        Check(commSize(_world, &size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
        var text = new byte[256]; // MPI_MAX_LIBRARY_VERSION_STRING
        int length;
        fixed (byte* p = text) Check(version(p, &length), "MPI_Get_library_version");
        string full = Encoding.ASCII.GetString(text, 0, Math.Clamp(length, 0, text.Length));
        Description = full.Split(',')[0].Trim(); // "Open MPI v4.1.4"
    }

    public int Rank { get; }
    public int Size { get; }
    public string Description { get; }

    /// <summary>Sums in place (MPI_IN_PLACE), in pieces of at most 2³⁰ floats (MPI counts are ints).</summary>
    public void AllreduceSum(Span<float> values)
    {
        const int piece = 1 << 30;
        fixed (float* p = values)
            for (int at = 0; at < values.Length; at += piece)
                Check(_allreduce(InPlace, p + at, Math.Min(piece, values.Length - at), _float, _sum, _world), "MPI_Allreduce");
    }

    public void Broadcast(Span<byte> bytes, int root)
    {
        const int piece = 1 << 30;
        fixed (byte* p = bytes)
            for (int at = 0; at < bytes.Length; at += piece)
                Check(_bcast(p + at, Math.Min(piece, bytes.Length - at), _byte, root, _world), "MPI_Bcast");
    }

    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _abort(_world, exitCode);
        Environment.Exit(exitCode); // MPI_Abort does not return; this is for a library that does
    }

    /// <summary>Finishes MPI (every rank must): after this no collective works in this process.</summary>
    public void Dispose()
    {
        if (_finished) return;
        _finished = true;
        Check(_finalize(), "MPI_Finalize");
    }

    private static void Check(int code, string function)
    {
        if (code != 0) throw new InvalidOperationException($"{function} failed with MPI error {code}.");
    }
}
