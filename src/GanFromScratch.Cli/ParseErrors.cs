using System.CommandLine;
using System.Text.RegularExpressions;

namespace GanFromScratch.Cli;

/// <summary>
/// The parser's errors in the user's terms: a value that is not of the option's type is named
/// with the kind of value expected (not a .NET type name); an unknown subcommand is one line with
/// the valid ones; an option that belongs to another variant says which; the value that follows
/// an unknown option is not reported a second time.
/// </summary>
internal static partial class ParseErrors
{
    public static IEnumerable<string> Explain(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var unmatched = parsed.UnmatchedTokens;
        if (command.Subcommands.Count > 0 && unmatched.Count > 0 && !unmatched[0].StartsWith('-'))
        {
            string name = parsed.CommandResult.IdentifierToken?.Value ?? command.Name;
            yield return $"'{unmatched[0]}' is not a subcommand of '{name}'. Valid: {string.Join(", ", command.Subcommands.Select(c => c.Name))}.";
            yield break;
        }
        var seen = new HashSet<string>();
        for (int i = 0; i < unmatched.Count; i++)
        {
            string token = unmatched[i];
            if (!token.StartsWith('-')) continue; // a stray value, or the value of an unknown option reported below
            seen.Add(token);
            yield return UnknownOption(parsed, command, token);
        }
        foreach (var error in parsed.Errors)
        {
            if (UnrecognizedPattern().Match(error.Message) is { Success: true } u && (seen.Contains(u.Groups[1].Value) || !u.Groups[1].Value.StartsWith('-')))
            {
                if (!u.Groups[1].Value.StartsWith('-') && seen.Count == 0)
                    yield return $"Unexpected argument '{u.Groups[1].Value}' (every value follows the option it belongs to).";
                continue;
            }
            if (ConversionPattern().Match(error.Message) is { Success: true } c)
            {
                yield return $"{c.Groups[2].Value} expects {Kind(c.Groups[3].Value)}, not '{c.Groups[1].Value}'.";
                continue;
            }
            yield return error.Message;
        }
    }

    /// <summary>An option this command does not have: say which sibling command has it, if one does.</summary>
    private static string UnknownOption(ParseResult parsed, Command command, string token)
    {
        var parent = parsed.CommandResult.Parent is System.CommandLine.Parsing.CommandResult p ? p.Command : null;
        var owners = parent?.Subcommands.Where(c => c != command && c.Options.Any(o => o.Name == token || o.Aliases.Contains(token)))
            .Select(c => c.Name).ToList() ?? [];
        return owners.Count > 0
            ? $"{token} is an option of {string.Join(", ", owners)}, not of {command.Name} (see 'gfs {parent!.Name} {command.Name} --help')."
            : $"Unknown option {token} for '{command.Name}' (see its --help).";
    }

    private static string Kind(string type) => type switch
    {
        _ when type.Contains("UInt64") => "a whole number ≥ 0",
        _ when type.Contains("Int32") || type.Contains("Int64") => "a whole number",
        _ when type.Contains("Single") || type.Contains("Double") => "a number",
        _ when type.Contains("Boolean") => "true or false",
        _ => "another kind of value",
    };

    [GeneratedRegex(@"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\.$")]
    private static partial Regex ConversionPattern();

    [GeneratedRegex(@"^Unrecognized command or argument '(.*)'\.$")]
    private static partial Regex UnrecognizedPattern();
}
