using GanFromScratch.Gan.Data;
using ScottPlot;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>
/// A picture of a toy run at one moment, like <c>gan_toy.py</c>'s frames: the critic's score
/// as contour lines over the square, real points in orange, generated points in green (or, for a
/// conditional generator, in one colour per label they were asked for).
/// </summary>
public static class ToyFrame
{
    public static void Save(string path, float[,] criticMap, float range, float[] real, float[] generated, int[]? generatedLabels, string title)
    {
        var plot = new Plot();
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
        heatmap.Extent = new CoordinateRect(-range, range, -range, range);
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        heatmap.Opacity = 0.35;
        var contour = plot.Add.ContourLines(grid);
        contour.LineColor = Colors.Navy.WithAlpha(0.6);

        Points(plot, real, Colors.Orange, "real");
        if (generatedLabels is null) Points(plot, generated, Colors.Green, "generated");
        else
        {
            var palette = new ScottPlot.Palettes.Category10();
            foreach (int label in generatedLabels.Distinct().Order())
            {
                var mine = Enumerable.Range(0, generatedLabels.Length).Where(i => generatedLabels[i] == label)
                    .SelectMany(i => new[] { generated[2 * i], generated[2 * i + 1] }).ToArray();
                Points(plot, mine, palette.GetColor(label), $"generated, label {label}");
            }
        }
        plot.Axes.SetLimits(-range, range, -range, range);
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperRight);
        AtomicFile.Write(path, temp => plot.SavePng(temp, 640, 640));
    }

    private static void Points(Plot plot, float[] xy, Color color, string label)
    {
        int n = xy.Length / 2;
        var xs = new double[n];
        var ys = new double[n];
        for (int i = 0; i < n; i++) (xs[i], ys[i]) = (xy[2 * i], xy[2 * i + 1]);
        var scatter = plot.Add.ScatterPoints(xs, ys);
        scatter.Color = color.WithAlpha(0.7);
        scatter.MarkerShape = MarkerShape.Cross;
        scatter.MarkerSize = 4;
        scatter.LegendText = label;
    }
}
