using System.Diagnostics;
using System.Globalization;

namespace GanFromScratch.Nn;

/// <summary>
/// Writing a file so that a crash, a kill or a full disk leaves either the old file or the new one,
/// never half of one: the new contents go to a hidden temporary file beside the target, named after
/// the writing process (<c>.checkpoint.safetensors.4242.tmp</c>), which is renamed over the
/// target once complete. A writer that dies leaves its temporary behind; <see cref="RemoveStale"/>
/// clears those of processes that no longer run.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, which is given the
    /// temporary file's path; renames it into place when <paramref name="write"/> returns, and
    /// deletes it when it throws. Folders on the way that do not exist yet are made.
    /// </summary>
    public static void Write(string path, Action<string> write)
    {
        string temp = TemporaryPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, temp =>
    {
        using var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None);
        file.Write(new System.Text.UTF8Encoding(false).GetBytes(text));
        file.Flush(flushToDisk: true); // on the disk before the rename, so a power loss leaves the old file or the new one, not an empty one
    });

    /// <summary>The temporary file this process writes <paramref name="path"/> through.</summary>
    public static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");

    /// <summary>
    /// Deletes, in <paramref name="folder"/> and the folders below it, the temporary files left by
    /// writers that are no longer running (a kill during a write); returns how many.
    /// </summary>
    public static int RemoveStale(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories))
        {
            if (WriterOf(file) is not { } pid || IsRunning(pid)) continue;
            try
            {
                File.Delete(file);
                removed++;
            }
            catch (IOException) { }
        }
        return removed;
    }

    /// <summary>The process id in a temporary file's name, or null if the name is not one of ours.</summary>
    private static int? WriterOf(string file)
    {
        string name = Path.GetFileName(file);
        int end = name.Length - ".tmp".Length, dot = name.LastIndexOf('.', end - 1);
        return dot > 0 && int.TryParse(name.AsSpan(dot + 1, end - dot - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
