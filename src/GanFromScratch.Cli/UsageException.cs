namespace GanFromScratch.Cli;

/// <summary>The user asked for something impossible; gfs says why and exits with 2.</summary>
public sealed class UsageException(string message) : Exception(message);
