namespace GanFromScratch.Gan.Artifacts;

/// <summary>
/// What the pictures (sample grids, toy frames, metric plots) share: SkiaSharp's native objects — fonts,
/// typefaces — are not safe to use from two threads at once (a test run drawing many runs' pictures in
/// parallel crashed in libSkiaSharp), so a process draws one picture at a time. A run draws from one
/// thread anyway; the gate costs it nothing.
/// </summary>
internal static class Drawing
{
    public static readonly object Gate = new();
}
