using GanFromScratch.Gan;
using GanFromScratch.Gan.Artifacts;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Tests;

/// <summary>metrics.png's panels and the report's charts name what each metric is, and which way is better.</summary>
public sealed class PlotLabelTests
{
    private static readonly string[] ToyPlotted = new ToyData(TestRuns.Defaults("wgan-gp")).PlottedMetrics.ToArray();

    public static TheoryData<string> EveryPlottedMetric()
    {
        var names = new TheoryData<string>();
        foreach (var name in ToyPlotted.Concat(["fd", "fd_raw", "score"]).Concat(Registry.All.SelectMany(v => v.MeasureNames)).Distinct())
            names.Add(name);
        return names;
    }

    [Theory]
    [MemberData(nameof(EveryPlottedMetric))]
    public void Every_plotted_metric_has_a_label_that_says_what_it_is(string name)
    {
        var d = MetricNames.Describe(name);
        Assert.StartsWith(name, d.Label);
        Assert.True(d.Label.Length > name.Length + 10, $"'{d.Label}' says no more than the name");
    }

    [Theory]
    [InlineData("w1", "lower is better", true)]
    [InlineData("fd", "lower is better", true)]
    [InlineData("hq", "higher is better", true)]
    [InlineData("modes", "higher is better", true)]
    [InlineData("class_acc", "higher is better", true)]
    [InlineData("critic_w", "W1 estimate", false)]
    [InlineData("nn_acc_random", "baseline of nn_acc", true)]
    public void Distances_counts_and_fractions_start_at_zero_and_say_their_direction(string name, string said, bool atLeastZero)
    {
        var d = MetricNames.Describe(name);
        Assert.Contains(said, d.Label);
        Assert.Equal(atLeastZero, d.AtLeastZero);
    }

    [Fact]
    public void The_critic_loss_is_plotted_beside_the_other_losses()
    {
        Assert.Contains("critic_loss", ToyPlotted);
        Assert.Contains("g_loss", ToyPlotted);
    }
}
