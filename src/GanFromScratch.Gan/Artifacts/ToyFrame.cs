using GanFromScratch.Gan.Data;
using ScottPlot;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>
/// A picture of a toy run at one moment, like <c>gan_toy.py</c>'s frames: the critic's value D(x)
/// over the square as shading (its scale in a colour bar) and as labelled contour lines, real points
/// in orange, generated points in green (or, for a conditional generator, in one colour per label
/// they were asked for); the legend below the square.
/// </summary>
public static class ToyFrame
{
    /// <remarks>Drawn under <see cref="Drawing.Gate"/>: one picture at a time in a process.</remarks>
    public static void Save(string path, float[,] criticMap, float range, float[] real, float[] generated, int[]? generatedLabels, string title)
    {
        lock (Drawing.Gate) Draw(path, criticMap, range, real, generated, generatedLabels, title);
    }

    private static void Draw(string path, float[,] criticMap, float range, float[] real, float[] generated, int[]? generatedLabels, string title)
    {
        using var plot = new Plot();
        int rows = criticMap.GetLength(0), cols = criticMap.GetLength(1);
        var heat = new double[rows, cols];
        var grid = new Coordinates3d[rows, cols];
        for (int j = 0; j < rows; j++)
            for (int i = 0; i < cols; i++)
            {
                grid[j, i] = new Coordinates3d(ToyData.GridCoordinate(i, cols, range), ToyData.GridCoordinate(j, rows, range), criticMap[j, i]);
                heat[rows - 1 - j, i] = criticMap[j, i]; // a heatmap's first row is drawn at the top
            }
        var heatmap = plot.Add.Heatmap(heat);
        var square = new CoordinateRect(-range, range, -range, range);
        heatmap.Extent = square;
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        heatmap.Opacity = 0.35;
        // The heatmap gives the colour bar its scale; its cells are drawn from an image this method
        // holds. ScottPlot draws a heatmap through an image it leaves to the finalizer, and a
        // collection mid-draw freed it under Skia (a segfault in drawImageRect). Same pixels.
        heatmap.IsVisible = false;
        using var cells = ScottPlot.Drawing.BitmapFromArgbs(CellColors(heatmap, heat), cols, rows);
        using var cellImage = new Image(cells);
        var shading = plot.Add.ImageRect(cellImage, square);
        shading.AntiAlias = false; // nearest neighbour, as the heatmap's default
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "the critic's value D(x): shading and contours";
        var contour = plot.Add.ContourLines(grid);
        var contourColor = Colors.Navy.WithAlpha(0.6);
        contour.LineColor = contourColor;
        contour.LabelStyle.IsVisible = false; // its labels round to whole numbers; ours say the level to three digits
        LabelContours(plot, contour, range);

        var legend = new List<LegendItem> { new() { LabelText = "contours of D(x)", LineColor = contourColor, LineWidth = 1 } };
        legend.Add(Points(plot, real, Colors.Orange, "real"));
        if (generatedLabels is null) legend.Add(Points(plot, generated, Colors.Green, "generated"));
        else
        {
            var palette = new ScottPlot.Palettes.Category10();
            foreach (int label in generatedLabels.Distinct().Order())
            {
                var mine = Enumerable.Range(0, generatedLabels.Length).Where(i => generatedLabels[i] == label)
                    .SelectMany(i => new[] { generated[2 * i], generated[2 * i + 1] }).ToArray();
                // The palette's second colour is the real points' orange: skipped.
                legend.Add(Points(plot, mine, palette.GetColor(label < 1 ? label : label + 1), $"generated, label {label}"));
            }
        }
        plot.Axes.SetLimits(square);
        plot.Title(title);
        // Below the square, outside it: no legend box over the points or a contour's label.
        plot.Legend.ManualItems.AddRange(legend);
        plot.ShowLegend(Edge.Bottom);
        AtomicFile.Write(path, temp => plot.SavePng(temp, 720, 720));
    }

    /// <summary>Each contour's level written on it, at the point of its path farthest from the square's edges.</summary>
    private static void LabelContours(Plot plot, ScottPlot.Plottables.ContourLines contour, float range)
    {
        foreach (var line in contour.Lines)
        {
            var points = line.Path.Points;
            if (points.Length == 0) continue;
            var at = points.MaxBy(p => Math.Min(range - Math.Abs(p.X), range - Math.Abs(p.Y)));
            if (Math.Min(range - Math.Abs(at.X), range - Math.Abs(at.Y)) < 0.1 * range) continue; // a corner's sliver: its label would be cut
            var text = plot.Add.Text(Level(line.Z), at);
            text.LabelFontSize = 10;
            text.LabelFontColor = Colors.Navy;
            text.LabelBackgroundColor = Colors.White.WithAlpha(0.7);
            text.LabelAlignment = Alignment.MiddleCenter;
        }
    }

    /// <summary>
    /// The heatmap's cells as its own bitmap strategy colours them: the colormap over the heatmap's
    /// range, the opacity on the alpha, premultiplied ARGB, row 0 at the top.
    /// </summary>
    private static uint[] CellColors(ScottPlot.Plottables.Heatmap heatmap, double[,] heat)
    {
        var range = heatmap.GetRange();
        int rows = heat.GetLength(0), cols = heat.GetLength(1);
        var argb = new uint[rows * cols];
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
            {
                if (double.IsNaN(heat[y, x]))
                {
                    argb[y * cols + x] = heatmap.NaNCellColor.PremultipliedARGB;
                    continue;
                }
                var color = heatmap.Colormap.GetColor(heat[y, x], range);
                argb[y * cols + x] = color.WithAlpha((byte)(color.Alpha * heatmap.Opacity)).PremultipliedARGB;
            }
        return argb;
    }

    private static string Level(double z) => (Math.Abs(z) < 5e-4 ? 0 : z).ToString("G3", System.Globalization.CultureInfo.InvariantCulture).Replace('E', 'e');

    private static LegendItem Points(Plot plot, float[] xy, Color color, string label)
    {
        int n = xy.Length / 2;
        var xs = new double[n];
        var ys = new double[n];
        for (int i = 0; i < n; i++) (xs[i], ys[i]) = (xy[2 * i], xy[2 * i + 1]);
        var scatter = plot.Add.ScatterPoints(xs, ys);
        scatter.Color = color.WithAlpha(0.7);
        scatter.MarkerShape = MarkerShape.Cross;
        scatter.MarkerSize = 4;
        scatter.MarkerStyle.CustomRenderer = PlusMarker.Instance;
        var item = new LegendItem { LabelText = label, MarkerShape = MarkerShape.Cross, MarkerColor = color, MarkerSize = 8, MarkerLineWidth = 2 };
        item.MarkerStyle.CustomRenderer = PlusMarker.Instance;
        return item;
    }
}
