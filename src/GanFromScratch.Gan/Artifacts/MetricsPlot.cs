using ScottPlot;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>The metrics of a run over its iterations, one panel per measure, stacked.</summary>
public static class MetricsPlot
{
    /// <param name="series">Measure name → (iteration, value) points.</param>
    public static void Save(string path, IReadOnlyList<(string Name, double[] Iterations, double[] Values)> series, string title, string xLabel = "iteration")
    {
        var multi = new Multiplot();
        multi.RemovePlot(multi.GetPlot(0));
        foreach (var (name, iterations, values) in series)
        {
            var plot = new Plot();
            var line = plot.Add.Scatter(iterations, values);
            line.MarkerSize = 3;
            plot.YLabel(name);
            plot.XLabel(xLabel);
            multi.AddPlot(plot);
        }
        if (series.Count > 0) multi.GetPlot(0).Title(title);
        multi.Layout = new ScottPlot.MultiplotLayouts.Rows();
        AtomicFile.Write(path, temp => multi.SavePng(temp, 800, 220 * Math.Max(1, series.Count)));
    }
}
