using System.Globalization;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>Another process holds the run folder.</summary>
public sealed class RunFolderBusyException(string folder, string holder)
    : IOException($"The run folder {folder} is in use by another gfs ({holder}). Wait for it to finish or stop it, " +
                  "or choose another --out.");

/// <summary>
/// A run folder held by this process for as long as it trains there: a lock on <c>run.lock</c>
/// (a POSIX record lock, which the system releases when the process ends, even by kill -9) that
/// a second gfs on the same folder is refused by, with the holder's process id, instead of
/// interleaving its metrics with the first's. Opening the folder also clears the temporary files
/// of writers that were killed mid-write. Disposing releases the lock (the file stays: deleting it
/// while another process waits on it would let a third take a fresh one) and, if the folder was
/// created by this open and nothing but the lock was put in it (a start that failed), removes
/// the folder again.
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string LockFile = "run.lock";

    // Locked beyond any content, so that another process can still read the holder's id from the file.
    private const long LockOffset = 1L << 40;

    // The folders this process holds: a record lock does not stop the process that holds it from
    // taking it again, so a second open from the same process is refused here.
    private static readonly HashSet<string> Held = [];

    private readonly FileStream _lock;
    private bool _disposed;

    private readonly string _fullPath;

    private RunFolder(string path, string fullPath, bool created, FileStream lockStream)
    {
        (Path, _fullPath, Created, _lock) = (path, fullPath, created, lockStream);
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Whether this open created the folder (a failed start then removes it again).</summary>
    public bool Created { get; }

    /// <summary>
    /// Takes the folder, creating it if needed. Refuses a folder another gfs holds
    /// (<see cref="RunFolderBusyException"/>) and a path that is a file.
    /// </summary>
    public static RunFolder Open(string path)
    {
        if (File.Exists(path)) throw new ArgumentException($"--out {path} is a file, not a folder.");
        string full = System.IO.Path.GetFullPath(path);
        lock (Held)
            if (!Held.Add(full))
                throw new RunFolderBusyException(path, $"this process, {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            return Take(path, full);
        }
        catch
        {
            lock (Held) Held.Remove(full);
            throw;
        }
    }

    private static RunFolder Take(string path, string full)
    {
        bool created = !Directory.Exists(path);
        string lockPath = System.IO.Path.Combine(path, LockFile);
        FileStream stream;
        try
        {
            Directory.CreateDirectory(path);
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (created && Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
            throw new ArgumentException($"--out {path}: the run folder cannot be made or written there ({e.Message.TrimEnd('.')}): " +
                                        "choose a place you may write.", e);
        }
        try
        {
            if (!OperatingSystem.IsMacOS()) stream.Lock(LockOffset, 1);
        }
        catch (IOException)
        {
            stream.Dispose();
            string holder = File.ReadAllText(lockPath).Trim();
            throw new RunFolderBusyException(path, holder.Length > 0 ? holder : "a process that has not yet written its id");
        }
        stream.SetLength(0);
        var text = System.Text.Encoding.ASCII.GetBytes($"process {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}\n");
        stream.Write(text);
        stream.Flush();
        AtomicFile.RemoveStale(path);
        return new RunFolder(path, full, created, stream);
    }

    /// <summary>Who holds <paramref name="path"/> now ("process 4242"), or null when nobody does.</summary>
    public static string? Holder(string path)
    {
        string lockPath = System.IO.Path.Combine(path, LockFile);
        // This process's own record lock would not stop it from locking again (and unlocking would release it).
        lock (Held)
            if (Held.Contains(System.IO.Path.GetFullPath(path)))
                return $"process {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
        if (!File.Exists(lockPath) || OperatingSystem.IsMacOS()) return null;
        using var stream = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            stream.Lock(LockOffset, 1);
            stream.Unlock(LockOffset, 1);
            return null;
        }
        catch (IOException)
        {
            return File.ReadAllText(lockPath).Trim();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        bool onlyTheLock = Created && Directory.EnumerateFileSystemEntries(Path).All(e => System.IO.Path.GetFileName(e) == LockFile);
        if (onlyTheLock) File.Delete(System.IO.Path.Combine(Path, LockFile));
        _lock.Dispose(); // releases the lock
        if (onlyTheLock) Directory.Delete(Path);
        lock (Held) Held.Remove(_fullPath);
    }
}
