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
        try
        {
            return TrainConfig.ReadFile(path);
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message);
        }
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
}
