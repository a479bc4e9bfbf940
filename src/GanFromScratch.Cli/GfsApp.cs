using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text.Json;
using GanFromScratch.Cli.Bench;
using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Kernels.Cpu;
using GanFromScratch.Kernels.Cuda;
using Spectre.Console;

namespace GanFromScratch.Cli;

/// <summary>The <c>gfs</c> command line. Exit codes: 0 done, 1 failure, 2 bad usage.</summary>
public static class GfsApp
{
    public const int Ok = 0, Failure = 1, Usage = 2;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs gfs with the given arguments, writing to the given streams (tests pass their own).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Commands(stdout, stderr);
        try
        {
            args = Train.RunConfigFile.WithVariantNamed(args);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"gfs: {e.Message}");
            return Usage;
        }
        var parsed = root.Parse(args);
        // --help answers even where the rest of the line would not parse (a command's required options left out).
        bool help = parsed.Action is ShortListingHelp or System.CommandLine.Help.HelpAction;
        // Under mpirun every rank runs this same line: the ranks after the first say nothing of what all of
        // them would say (help, parse errors) and leave the commands that do not train on ranks to the first.
        bool quietRank = Engine.Distributed.OpenMpi.LaunchedRank is > 0;
        if (quietRank && (help || parsed.Errors.Count > 0)) return help ? Ok : Usage;
        if (quietRank && !UsesRanks(parsed.CommandResult.Command)) return Ok;
        if (parsed.Errors.Count > 0 && !help)
        {
            foreach (var line in ParseErrors.Explain(parsed)) stderr.WriteLine($"gfs: {line}");
            stderr.WriteLine("Run 'gfs --help' (or 'gfs <command> --help') for usage and examples.");
            return Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Explain(e) is { } known)
        {
            stderr.WriteLine($"gfs: {known.Message}");
            return known.Code;
        }
    }

    /// <summary>The commands that train or measure on every rank of an MPI job (train VARIANT, bench train-step, distributed); the others run on its first rank alone.</summary>
    private static bool UsesRanks(Command command) => command.Name switch
    {
        "distributed" or "train-step" => true,
        "classifier" => false,
        _ => command.Parents.OfType<Command>().Any(p => p.Name == "train"),
    };

    /// <summary>Every command of gfs, writing to the given streams.</summary>
    public static RootCommand Commands(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "gfs — GanFromScratch: generative adversarial networks on a tensor and autograd engine written from scratch.")
        {
            Train.TrainCommand.Create(stdout, stderr),
            Train.SampleCommand.Create(stdout),
            Train.EncodeCommand.Create(stdout),
            Train.EvalCommand.Create(stdout),
            Runs.RunsCommand.Create(stdout),
            Report.ReportCommand.Create(stdout),
            Devices.DevicesCommand.Create(stdout),
            Distributed.DistributedCommand.Create(stdout),
            Bench.BenchCommand.Create(stdout, stderr),
        };
        ShortListings(root);
        return root;
    }

    /// <summary>What gfs tells a user about an exception, and its exit code; null for one it does not expect (a bug: the trace is shown).</summary>
    public static (string Message, int Code)? Explain(Exception e) => e switch
    {
        // A value that parsed as an option but makes no sense (a malformed shape, say), or an
        // input file that is not what it should be (a truncated IDX file, a corrupt checkpoint).
        ArgumentException or FormatException or UsageException or InvalidDataException => (e.Message, Usage),
        // A folder or file the user may not write (or read): theirs to choose differently.
        UnauthorizedAccessException => ($"{e.Message.TrimEnd('.')}: choose a place you may write (--out), or change its permissions.", Usage),
        // ENOSPC, EDQUOT: files are written whole or not at all, so the last checkpoint is intact.
        IOException { HResult: 28 or 122 } => ($"The disk is full ({e.Message.Trim()}). Free some space and run the command again; a training " +
                                                "run keeps its last checkpoint: continue it with `gfs train VARIANT --out ITS_FOLDER --resume` " +
                                                "(one stopped before its first checkpoint starts again with --force).", Failure),
        InvalidOperationException or IOException => (e.Message, Failure),
        _ => null,
    };

    /// <summary>
    /// In a command's list of subcommands, each shows the first paragraph of its description (the
    /// rest — files written, exit codes, examples — is for its own --help): the help is written by
    /// System.CommandLine's own action, with the listed subcommands' descriptions cut for the time.
    /// </summary>
    private static void ShortListings(RootCommand root)
    {
        if (root.Options.OfType<HelpOption>().FirstOrDefault() is { Action: { } standard } help) help.Action = new ShortListingHelp(standard);
    }

    private sealed class ShortListingHelp(CommandLineAction standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var listed = parseResult.CommandResult.Command.Subcommands.Where(c => c.Description is not null).ToDictionary(c => c, c => c.Description!);
            foreach (var (command, text) in listed)
                if (text.IndexOf("\n\n", StringComparison.Ordinal) is var end and > 0) command.Description = text[..end];
            try
            {
                return standard is SynchronousCommandLineAction action ? action.Invoke(parseResult) : Ok;
            }
            finally
            {
                foreach (var (command, text) in listed) command.Description = text;
            }
        }
    }
}
