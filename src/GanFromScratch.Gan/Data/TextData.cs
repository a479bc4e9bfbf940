using System.Text;
using System.Text.Json.Nodes;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Metrics;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// Lines of text as the WGAN-GP paper's language model trains on them (section 5.4,
/// <c>gan_language.py</c>): one-hot batches [batch, 32, V] of the training lines in a seeded order
/// (reshuffled every epoch), against which the critic sees the generator's softmax outputs — no
/// character is ever sampled. The first tenth of the corpus's seeded order is held out; at each
/// evaluation 640 lines are generated from fixed noise (the authors' 10 batches of 64), read by
/// their most likely character at each position, and measured by js1 … js4, the Jensen–Shannon
/// divergence of their character n-grams from the held-out text's (<see cref="NgramModel"/>).
/// The floor, printed at the start and logged as js1_floor …, is the same divergence for 640
/// training lines: what text of the corpus itself scores.
/// </summary>
public sealed class TextData : IGanData
{
    /// <summary>Lines generated (and real lines measured for the floor) per evaluation.</summary>
    public const int EvalLines = 640;

    /// <summary>The largest n of the n-gram measures.</summary>
    public const int MaxN = 4;

    /// <summary>Lines written to samples/iter_NNNNNN.txt at each evaluation.</summary>
    public const int SavedLines = 64;

    public const string SamplesFolder = "samples";

    private readonly TrainConfig _config;
    private readonly int[][] _train = [];
    private readonly EpochOrder? _order;
    private readonly NgramModel[] _heldOut = [];

    /// <param name="corpus">The text to learn, indexed by the run's vocabulary (null: a generator is only sampled).</param>
    public TextData(TrainConfig config, TextCorpus? corpus)
    {
        _config = config;
        Shape = DataShape.Of(config);
        Vocabulary = config.Vocabulary ?? corpus?.Vocabulary ?? throw new ArgumentException("A text run needs its vocabulary: read the corpus first.");
        if (corpus is null) return;
        int heldOut = Math.Max(1, corpus.Lines.Length / 10);
        _train = corpus.Lines[heldOut..];
        if (_train.Length < config.BatchSize)
            throw new ArgumentException($"--batch-size {config.BatchSize} is larger than the training text ({_train.Length} lines once a tenth is held out): " +
                                        "give a smaller --batch-size or more text.");
        _order = new EpochOrder(_train.Length, config.Stream(1).Seed, "lines", config.DataOrder);
        _heldOut = [.. Enumerable.Range(1, MaxN).Select(n => new NgramModel(n, corpus.Lines[..heldOut]))];
        Floor = NgramModel.Divergences(_heldOut, _train.Take(EvalLines));
        HeldOutLines = heldOut;
    }

    public DataShape Shape { get; }

    /// <summary>The run's characters by index.</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>js1 … js4 of <see cref="EvalLines"/> training lines against the held-out text: the best a generator can expect.</summary>
    public double[] Floor { get; } = [];

    public int HeldOutLines { get; }
    public int TrainingLines => _train.Length;

    private EpochOrder Order => _order ?? throw new InvalidOperationException("No text was loaded: this run can only be sampled.");

    /// <summary>The next count / batch-size batches of training lines, one-hot [count, 32, V], each batch drawn as its own.</summary>
    public (Tensor Samples, Tensor? Labels) NextReal(int count, bool withLabels)
    {
        int batch = _config.BatchSize;
        if (count % batch != 0) throw new ArgumentException($"{count} lines are not whole batches of {batch}.");
        var indices = Enumerable.Range(0, count / batch).SelectMany(_ => Order.Next(batch)).ToArray();
        return (OneHot(indices.Select(i => _train[i]).ToList(), Shape.Sample[1]), null);
    }

    /// <summary>Lines of character indices as one-hot rows [lines, 32, vocabulary].</summary>
    public static Tensor OneHot(IReadOnlyList<int[]> lines, int vocabulary)
    {
        int length = TextCorpus.SequenceLength;
        var values = new float[lines.Count * length * vocabulary];
        for (int b = 0; b < lines.Count; b++)
            for (int t = 0; t < length; t++) values[((long)b * length + t) * vocabulary + lines[b][t]] = 1f;
        return Tensor.FromArray(values, lines.Count, length, vocabulary);
    }

    public (Tensor Samples, Tensor Labels) NextLabelled(int count) =>
        throw new NotSupportedException("Text has no labels: the semi-supervised variants train on images.");

    public IEnumerable<(string Key, ulong Value)> Positions() =>
        [("data.epoch", (ulong)(_order?.Epoch ?? 0)), ("data.position", (ulong)(_order?.Position ?? 0))];

    public void Restore(Func<string, ulong> read) => _order?.Seek(checked((int)read("data.epoch")), checked((int)read("data.position")));

    public (Tensor Samples, int[] Labels)? Labelled(int n, bool train = false) => null;

    public void AfterStep(Trainer trainer, string outDir) { }

    public IReadOnlyList<string> PlottedMetrics => ["js1", "js2", "js3", "js4", "critic_w", "critic_loss", "g_loss"];

    /// <summary>
    /// <paramref name="n"/> generated lines as character indices: the most likely character at each
    /// position of the generator's distributions (noise from <paramref name="noise"/>).
    /// </summary>
    public static List<int[]> GenerateLines(Trainer trainer, int n, RandomStream noise)
    {
        float[] p;
        using (TensorScope.Begin()) p = trainer.Generate(n, noise).ToArray();
        if (!Array.TrueForAll(p, float.IsFinite)) throw Trainer.Diverged(trainer.Iteration, "generator's output");
        return MostLikely(p, n);
    }

    /// <summary>Distributions [n, 32, V] (flat) as lines of character indices: the most likely at each position (the first on a tie).</summary>
    public static List<int[]> MostLikely(float[] p, int n)
    {
        int length = TextCorpus.SequenceLength, v = p.Length / (n * length);
        var lines = new List<int[]>(n);
        for (int b = 0; b < n; b++)
        {
            var line = new int[length];
            for (int t = 0; t < length; t++)
            {
                int at = (b * length + t) * v, best = 0;
                for (int c = 1; c < v; c++)
                    if (p[at + c] > p[at + best]) best = c;
                line[t] = best;
            }
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>The path of the samples written at iteration <paramref name="iteration"/>.</summary>
    public static string SamplesPath(string outDir, int iteration) => Path.Combine(outDir, SamplesFolder, $"iter_{iteration:D6}.txt");

    /// <summary>js1 … js4 of 640 lines from fixed noise (stream 10) against the held-out text; the first 64 lines to samples/.</summary>
    public JsonObject Evaluate(Trainer trainer, string outDir)
    {
        var lines = GenerateLines(trainer, EvalLines, trainer.Config.Stream(10));
        var line = new JsonObject();
        var js = NgramModel.Divergences(_heldOut, lines);
        for (int n = 1; n <= MaxN; n++) line[$"js{n}"] = TrainingRun.Round(js[n - 1]);
        if (trainer.Iteration <= _config.EvalEvery)
            for (int n = 1; n <= MaxN; n++) line[$"js{n}_floor"] = TrainingRun.Round(Floor[n - 1]);
        string path = SamplesPath(outDir, trainer.Iteration);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, string.Concat(lines.Take(SavedLines).Select(l => TextCorpus.Decode(l, Vocabulary) + "\n")));
        return line;
    }

    /// <summary>The first <paramref name="count"/> lines of a samples file (what the progress prints under its line).</summary>
    public static IEnumerable<string> FirstSamples(string outDir, int iteration, int count)
    {
        string path = SamplesPath(outDir, iteration);
        return File.Exists(path) ? File.ReadLines(path, Encoding.UTF8).Take(count) : [];
    }
}
