using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Cli;

/// <summary>Options several commands share, and the checks on their values.</summary>
internal static class CommonOptions
{
    /// <summary><c>--threads</c>: CPU threads, at least 1, at most the cores (more is said and capped).</summary>
    public static Option<int> Threads() => AtLeast(new Option<int>("--threads")
    {
        Description = $"CPU threads (default: every core; this machine has {Environment.ProcessorCount}).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    }, 1);

    /// <summary>Sets the CPU threads from <paramref name="option"/>, saying so when more were asked than there are cores; returns the count used.</summary>
    public static int ApplyThreads(ParseResult parse, Option<int> option, TextWriter notes)
    {
        int asked = parse.GetValue(option);
        int used = Math.Min(asked, Environment.ProcessorCount);
        if (used < asked) notes.WriteLine($"--threads {asked}: this machine has {Environment.ProcessorCount} cores; using {used}.");
        CpuParallel.Threads = used;
        return used;
    }

    /// <summary>Refuses values of <paramref name="option"/> below <paramref name="min"/>, naming the option.</summary>
    public static Option<int> AtLeast(Option<int> option, int min)
    {
        option.Validators.Add(r =>
        {
            // A value that is not a number at all is the parser's error to report, not this check's.
            if (Given(r) is { } value && value < min) r.AddError($"{option.Name} must be at least {min} (got {value}).");
        });
        return option;
    }

    /// <summary>Refuses values of <paramref name="option"/> below <paramref name="min"/>, naming the option.</summary>
    public static Option<int?> AtLeast(Option<int?> option, int min)
    {
        option.Validators.Add(r =>
        {
            if (Given(r) is { } value && value < min) r.AddError($"{option.Name} must be at least {min} (got {value}).");
        });
        return option;
    }

    /// <summary>The whole number given to an option, or null when none was given or its token is not one (the parser reports that itself).</summary>
    private static int? Given(OptionResult result) =>
        result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    /// <summary>Whether the user wrote <paramref name="option"/> on the command line (not its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>The names of those of <paramref name="options"/> the user wrote, in order.</summary>
    public static List<string> GivenNames(ParseResult parse, params Option[] options) => [.. options.Where(o => Given(parse, o)).Select(o => o.Name)];

    /// <summary>A path given to <c>--out</c> and the like must name something: an empty one is refused.</summary>
    public static string NonEmptyPath(string? path, string option) =>
        string.IsNullOrWhiteSpace(path) ? throw new UsageException($"{option} needs a path; an empty one names nothing.") : path;

    /// <summary>
    /// A file that <paramref name="option"/> asks gfs to write: not a folder, and in a folder that exists
    /// or can be made (writing it makes the folders it lacks). Refused before any work, with what is wrong:
    /// a folder on the way that is a file, or a folder where files cannot be created. Nothing is written here.
    /// <paramref name="name"/> says what to give instead of a folder.
    /// </summary>
    public static string OutputFile(string path, string option, string name = "a file name")
    {
        if (Directory.Exists(path)) throw new UsageException($"{option} {path} is a folder; give {name}.");
        string full = Path.GetFullPath(path);
        string? existing = Path.GetDirectoryName(full);
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing)) throw new UsageException($"{option} {path}: {existing} is a file, not a folder: choose a place you may write.");
            existing = Path.GetDirectoryName(existing);
        }
        if (existing is null) return path;
        string probe = Path.Combine(existing, $".gfs-write-check.{Environment.ProcessId}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path}: files cannot be written in {existing} ({e.Message.TrimEnd('.')}): choose a place you may write.");
        }
        return path;
    }
}
