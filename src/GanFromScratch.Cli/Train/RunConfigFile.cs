using System.Text.Json;
using GanFromScratch.Gan;

namespace GanFromScratch.Cli.Train;

/// <summary>A run's <c>config.json</c> read back for <c>gfs train --config</c>: the settings, or a one-line reason why not.</summary>
internal static class RunConfigFile
{
    /// <summary>The settings saved in <paramref name="path"/>, checked as the command line checks them.</summary>
    public static TrainConfig Read(string path)
    {
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, TrainingRun.ConfigFile))) path = Path.Combine(path, TrainingRun.ConfigFile);
        if (!File.Exists(path))
            throw new UsageException($"There is no config file at {path}: give a run's config.json (for example runs/wgan-gp-8gaussians/config.json).");
        TrainConfig config;
        try
        {
            string json = File.ReadAllText(path);
            using (var document = JsonDocument.Parse(json))
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("variant", out var v) || v.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException("it names no variant");
            config = TrainConfig.FromJson(json);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new UsageException($"{path} is not a gfs run configuration ({OneLine(e.Message)}): give the config.json a run wrote.");
        }
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
        return config;
    }

    /// <summary>
    /// <c>gfs train --config FILE …</c> names no variant: the file does, and it is put where the
    /// command line expects it (<c>gfs train VARIANT --config FILE …</c>). Other arguments pass unchanged.
    /// </summary>
    public static string[] WithVariantNamed(string[] args)
    {
        if (args.Length < 2 || args[0] != "train") return args;
        string? file = args[1] == "--config" ? args.ElementAtOrDefault(2)
            : args[1].StartsWith("--config=", StringComparison.Ordinal) ? args[1]["--config=".Length..] : null;
        if (string.IsNullOrWhiteSpace(file) || file.StartsWith('-')) return args; // the parser says what is missing
        return ["train", Read(file).Variant, .. args[1..]];
    }

    private static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
