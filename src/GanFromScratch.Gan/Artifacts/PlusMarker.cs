using ScottPlot;
using SkiaSharp;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>
/// A '+' marker, as ScottPlot's <see cref="MarkerShape.Cross"/> draws it, but with its path disposed
/// after drawing. ScottPlot's own leaves the <see cref="SKPath"/> to the finalizer; a collection during
/// the native draw call then frees the path while Skia reads it, and the process dies (a segfault in
/// <c>SkPath::isFinite</c>, reproduced by drawing toy frames while another thread allocates).
/// </summary>
internal sealed class PlusMarker : IMarker
{
    public static readonly PlusMarker Instance = new();

    public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
    {
        float offset = size / 2;
        using var path = new SKPath();
        path.MoveTo(center.X + offset, center.Y);
        path.LineTo(center.X - offset, center.Y);
        path.MoveTo(center.X, center.Y + offset);
        path.LineTo(center.X, center.Y - offset);
        ScottPlot.Drawing.DrawPath(canvas, paint, path, markerStyle.LineStyle);
    }
}
