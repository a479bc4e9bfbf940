namespace GanFromScratch.Gan.Artifacts;

/// <summary>What a metric of metrics.jsonl means, for a reader of a plot: a label with its direction, and whether it can be negative.</summary>
/// <param name="Label">The axis label: the name, what it measures, and which way is better where one is.</param>
/// <param name="AtLeastZero">A distance, a count or a fraction: its axis starts at 0.</param>
public sealed record MetricDescription(string Name, string Label, bool AtLeastZero);

/// <summary>The metrics gfs logs, described once for metrics.png and the report's charts.</summary>
public static class MetricNames
{
    private static readonly Dictionary<string, MetricDescription> Known = new[]
    {
        new MetricDescription("w1", "w1: Wasserstein-1 to the data (lower is better)", true),
        new MetricDescription("w1_raw", "w1_raw: w1 of the learning generator (lower is better)", true),
        new MetricDescription("modes", "modes covered (higher is better)", true),
        new MetricDescription("hq", "hq: fraction of samples near a mode (higher is better)", true),
        new MetricDescription("fd", "fd: Fréchet distance (lower is better)", true),
        new MetricDescription("fd_raw", "fd_raw: fd of the learning generator (lower is better)", true),
        new MetricDescription("score", "score: classifier score (higher is better)", true),
        new MetricDescription("class_acc", "class_acc: fraction in the class asked for (higher is better)", true),
        new MetricDescription("critic_w", "critic_w: E[D(real)] − E[D(fake)] (critic's W1 estimate for WGANs)", false),
        new MetricDescription("critic_loss", "critic_loss: the critic's loss, penalty included", false),
        new MetricDescription("g_loss", "g_loss: the generator's loss", false),
        new MetricDescription("grad_norm", "grad_norm: mean ‖∇ₓD‖ between real and fake (WGAN-GP keeps it near 1)", true),
        new MetricDescription("test_acc", "test_acc: test accuracy (higher is better)", true),
        new MetricDescription("test_acc_avg", "test_acc_avg: test accuracy of the averaged weights (higher is better)", true),
        new MetricDescription("code_acc", "code_acc: categorical code matched to classes (higher is better)", true),
        new MetricDescription("mi", "mi: mutual information lower bound, nats (higher is better)", false),
        new MetricDescription("mi_cont", "mi_cont: continuous codes' mi bound (higher is better)", false),
        new MetricDescription("active", "active: fraction of pairs whose margin is active", true),
        new MetricDescription("nn_acc", "nn_acc: nearest-neighbour accuracy of E(x) (higher is better)", true),
        new MetricDescription("probe_acc", "probe_acc: linear probe accuracy of E(x) (higher is better)", true),
        new MetricDescription("js1", "js1: JS divergence of characters from held-out text (lower is better)", true),
        new MetricDescription("js2", "js2: JS divergence of character pairs (lower is better)", true),
        new MetricDescription("js3", "js3: JS divergence of character 3-grams (lower is better)", true),
        new MetricDescription("js4", "js4: JS divergence of character 4-grams (lower is better)", true),
        new MetricDescription("recon", "recon: ‖x − G(E(x))‖ over mismatched pairs' (lower is better)", true),
    }.ToDictionary(d => d.Name);

    /// <summary>The description of <paramref name="name"/>; a metric not listed is labelled by its name, its axis fitted to its values.</summary>
    public static MetricDescription Describe(string name) =>
        Known.TryGetValue(name, out var d) ? d
        : Known.TryGetValue(BaseName(name), out var b) ? b with { Name = name, Label = $"{name} (baseline of {b.Name})" }
        : new MetricDescription(name, name, false);

    // BiGAN's baselines (nn_acc_random, probe_acc_pixels, …) and the floors of real data (w1_floor, js1_floor, …)
    // are measured as the metric they stand beside.
    private static string BaseName(string name) =>
        name.EndsWith("_random", StringComparison.Ordinal) ? name[..^"_random".Length]
        : name.EndsWith("_pixels", StringComparison.Ordinal) ? name[..^"_pixels".Length]
        : name.EndsWith("_floor", StringComparison.Ordinal) ? name[..^"_floor".Length]
        : name;
}
