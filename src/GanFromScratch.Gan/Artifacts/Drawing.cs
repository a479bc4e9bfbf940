namespace GanFromScratch.Gan.Artifacts;

/// <summary>
/// What the pictures (sample grids, toy frames, metric plots) share: SkiaSharp's native objects — fonts,
/// typefaces — are not safe to use from two threads at once (a test run drawing many runs' pictures in
/// parallel crashed in libSkiaSharp), so a process draws one picture at a time. A run draws from one
/// thread anyway; the gate costs it nothing. The gate does not stop a garbage collection (another
/// thread's, or the drawing's own) from finalizing a Skia object while Skia still draws with it:
/// ScottPlot leaves some to the finalizer ('+' markers' paths, a heatmap's image), so the pictures
/// draw those themselves (<see cref="PlusMarker"/>, <see cref="ToyFrame"/>'s cells) and dispose every
/// plot they make.
/// </summary>
internal static class Drawing
{
    public static readonly object Gate = new();
}
