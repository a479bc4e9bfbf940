using ScottPlot;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>
/// The metrics of a run over its iterations, one panel per measure, stacked; each panel titled
/// with what its measure is and which way is better (<see cref="MetricNames"/>), distances, counts
/// and fractions on an axis from 0.
/// </summary>
public static class MetricsPlot
{
    /// <param name="series">Measure name → (iteration, value) points.</param>
    /// <remarks>Drawn under <see cref="Drawing.Gate"/>: one picture at a time in a process.</remarks>
    public static void Save(string path, IReadOnlyList<(string Name, double[] Iterations, double[] Values)> series, string title, string xLabel = "iteration")
    {
        lock (Drawing.Gate) Draw(path, series, title, xLabel);
    }

    private static void Draw(string path, IReadOnlyList<(string Name, double[] Iterations, double[] Values)> series, string title, string xLabel)
    {
        var multi = new Multiplot();
        var plots = new List<Plot> { multi.GetPlot(0) };
        multi.RemovePlot(plots[0]);
        try
        {
            Panels(multi, plots, series, title, xLabel);
            AtomicFile.Write(path, temp => multi.SavePng(temp, 800, 220 * Math.Max(1, series.Count)));
        }
        finally
        {
            foreach (var plot in plots) plot.Dispose();
        }
    }

    private static void Panels(Multiplot multi, List<Plot> plots, IReadOnlyList<(string Name, double[] Iterations, double[] Values)> series, string title, string xLabel)
    {
        foreach (var (name, iterations, values) in series)
        {
            var plot = new Plot();
            plots.Add(plot);
            var line = plot.Add.Scatter(iterations, values);
            line.MarkerSize = 3;
            var described = MetricNames.Describe(name);
            plot.Title(described.Label, size: 13);
            plot.YLabel(name);
            plot.XLabel(xLabel);
            if (described.AtLeastZero && values.Where(double.IsFinite).DefaultIfEmpty(0).Max() is var top)
                plot.Axes.SetLimitsY(0, top > 0 ? top * 1.08 : 1); // a distance, count or fraction: from 0, never below it
            multi.AddPlot(plot);
        }
        if (series.Count > 0) multi.GetPlot(0).Title($"{title}\n{MetricNames.Describe(series[0].Name).Label}", size: 13);
        multi.Layout = new ScottPlot.MultiplotLayouts.Rows();
    }
}
