using GanFromScratch.Cli;

namespace GanFromScratch.Tests;

/// <summary>The gfs command line run in this process, its output captured.</summary>
internal static class Gfs
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GfsApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
