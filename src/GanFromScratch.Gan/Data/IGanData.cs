using System.Text.Json.Nodes;
using GanFromScratch.Engine;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// The data side of a run: where the real samples come from (in a seeded order the checkpoint
/// can resume), and how the generator is measured and pictured at an evaluation. One trainer
/// (<see cref="Trainer"/>) serves every kind of data through it.
/// </summary>
public interface IGanData
{
    /// <summary>What a sample is, how many labels there are, how long the noise is.</summary>
    DataShape Shape { get; }

    /// <summary>
    /// The next <paramref name="count"/> real samples, stacked along the first axis — all the
    /// critic steps of an iteration at once, so one upload (one wait on a GPU) per iteration —
    /// and, when <paramref name="withLabels"/>, their labels (class indices in floats, [count]).
    /// </summary>
    (Tensor Samples, Tensor? Labels) NextReal(int count, bool withLabels);

    /// <summary>
    /// The next <paramref name="count"/> images of the labelled subset (<see cref="Variant.LabelsPerClass"/>)
    /// with their labels, batch after batch in a seeded order of their own.
    /// </summary>
    (Tensor Samples, Tensor Labels) NextLabelled(int count);

    /// <summary>The positions of the data's streams, to save in a checkpoint.</summary>
    IEnumerable<(string Key, ulong Value)> Positions();

    /// <summary>Continues from saved positions (<paramref name="read"/> gives a saved value by key).</summary>
    void Restore(Func<string, ulong> read);

    /// <summary>Measures the generator and draws its pictures into the run folder; returns the measures for metrics.jsonl.</summary>
    JsonObject Evaluate(Trainer trainer, string outDir);

    /// <summary>Called after every iteration: pictures drawn more often than evaluations (image sample grids).</summary>
    void AfterStep(Trainer trainer, string outDir);

    /// <summary>
    /// Real samples with their labels, the same at every evaluation, for measures of what the
    /// networks learned about the classes (InfoGAN's code accuracy, BiGAN's nearest neighbours):
    /// images the first n of the test split or, when <paramref name="train"/>, of the training
    /// split; toy points a fixed draw (another for <paramref name="train"/>); null when there are
    /// none (no labels, or that split not loaded).
    /// </summary>
    (Tensor Samples, int[] Labels)? Labelled(int n, bool train = false);

    /// <summary>The measures to plot in metrics.png, in order.</summary>
    IReadOnlyList<string> PlottedMetrics { get; }
}
