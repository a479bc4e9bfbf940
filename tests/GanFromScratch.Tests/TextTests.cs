using GanFromScratch.Engine;
using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;
using GanFromScratch.Gan.Metrics;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Tests;

/// <summary>The text side: the 1-D convolution, the corpus, the n-gram divergence and the language model's networks.</summary>
public class TextTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    [Theory]
    [InlineData(false, 5, 2)]
    [InlineData(true, 5, 2)]
    [InlineData(false, 1, 0)]
    [InlineData(true, 3, 0)]
    public void Conv1d_equals_the_convolution_written_as_shifted_copies_with_its_gradients(bool emulated, int k, int padding)
    {
        using var _ = Device.Use(emulated ? fixture.Backend : CpuBackend.Instance);
        var x = OpGradientTests.Input(1, 3, 4, 9).RequiresGrad_();
        var w = OpGradientTests.Input(2, 5, 4, k).RequiresGrad_();
        var b = OpGradientTests.Input(3, 5).RequiresGrad_();
        var fast = Tensor.Conv1d(x, w, b, padding);
        var slow = Tensor.Conv1dByShifts(x, w, b, padding);
        Assert.Equal(slow.Shape, fast.Shape);
        Assert.Equal(9 + 2 * padding - k + 1, fast.Shape[2]);
        GoldenFiles.Close("output", slow.ToArray(), fast.ToArray());
        var gFast = Autograd.Grad([fast.Square().Sum()], [x, w, b]);
        var gSlow = Autograd.Grad([slow.Square().Sum()], [x, w, b]);
        for (int i = 0; i < 3; i++) GoldenFiles.Close($"gradient {i}", gSlow[i]!.ToArray(), gFast[i]!.ToArray());
    }

    [Fact]
    public void The_fortunes_are_read_without_pictures_and_percent_lines_and_their_absence_names_the_package_and_data()
    {
        string folder = Directory.CreateTempSubdirectory("gfs-fortunes-").FullName;
        try
        {
            var missing = Assert.Throws<FileNotFoundException>(() => TextCorpus.ReadFortunes(folder)).Message;
            Assert.Contains("sudo apt-get install fortunes", missing);
            Assert.Contains("--data FILE", missing);
            File.WriteAllText(Path.Combine(folder, "people"), "first fortune\n%\nsecond one\n  %  \n");
            File.WriteAllText(Path.Combine(folder, "art"), "a picture\n");
            File.WriteAllText(Path.Combine(folder, "people.dat"), "an index\n");
            var (name, lines) = TextCorpus.ReadFortunes(folder);
            Assert.Equal("fortunes", name);
            Assert.Equal(["first fortune", "second one"], lines.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Conv1d_refuses_what_does_not_fit_with_the_shapes()
    {
        var x = Tensor.Zeros(2, 3, 4);
        Assert.Contains("[out channels, 3, kernel size]", Assert.Throws<ArgumentException>(() => Tensor.Conv1d(x, Tensor.Zeros(5, 2, 3))).Message);
        Assert.Contains("sequences [batch, channels, length]", Assert.Throws<ArgumentException>(() => Tensor.Conv1d(Tensor.Zeros(2, 3), Tensor.Zeros(5, 3, 1))).Message);
        Assert.Contains("kernel of 7", Assert.Throws<ArgumentException>(() => Tensor.Conv1d(x, Tensor.Zeros(5, 3, 7), padding: 1)).Message);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() => Tensor.Conv1d(x, Tensor.Zeros(5, 3, 1), Tensor.Zeros(4))).Message);
    }

    [Fact]
    public void A_byte_that_is_not_utf8_reads_as_the_unknown_character()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gfs-latin1-{Environment.ProcessId}.txt");
        try
        {
            File.WriteAllBytes(path, [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'\n', (byte)'c', (byte)'a', (byte)'t', (byte)'\n']); // "café" in Latin-1
            var corpus = TextCorpus.Load(path, 10, 1);
            Assert.Single(corpus.Vocabulary, c => c == TextCorpus.Unknown);
            Assert.Contains("caf" + TextCorpus.Unknown, corpus.Lines.Select(l => TextCorpus.Decode(l, corpus.Vocabulary).TrimEnd(TextCorpus.Padding[0])));
        }
        finally
        {
            File.Delete(path);
        }
        var written = TextCorpus.FromLines(["a\uFFFDb", "\uFFFD\uFFFD"]); // the character itself, counted or not, is index 0
        Assert.Equal(0, written.Vocabulary.ToList().IndexOf(TextCorpus.Unknown));
        Assert.Single(written.Vocabulary, c => c == TextCorpus.Unknown);
    }

    [Fact]
    public void The_corpus_cuts_pads_and_indexes_lines_by_frequency_with_rare_characters_unknown()
    {
        var corpus = TextCorpus.FromLines(["aab", "", "  b\ta  ", "a" + new string('z', 40)], vocabularyLimit: 4);
        Assert.Equal(3, corpus.Lines.Length); // the empty line is skipped
        // Counts: ` (padding) 29 + 29 = 58, z 31, a 4, b 2, space 1 → vocabulary: unknown, `, z, a (the limit of 4 leaves b and space out).
        Assert.Equal([TextCorpus.Unknown, TextCorpus.Padding, "z", "a"], corpus.Vocabulary);
        Assert.All(corpus.Lines, l => Assert.Equal(TextCorpus.SequenceLength, l.Length));
        var decoded = corpus.Lines.Select(l => TextCorpus.Decode(l, corpus.Vocabulary)).Order(StringComparer.Ordinal).ToList();
        // "  b\ta  " is normalized to "b a", whose b and space are unknown; the long line is cut to 32 characters.
        string[] expected = ["a" + new string('z', 31), "aa" + TextCorpus.Unknown, TextCorpus.Unknown + TextCorpus.Unknown + "a"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), decoded);
    }

    [Fact]
    public void The_corpus_order_is_the_seeds_and_a_saved_vocabulary_indexes_another_read()
    {
        var lines = Enumerable.Range(0, 50).Select(i => $"line {i}").ToList();
        var a = TextCorpus.FromLines(lines, seed: 3);
        var b = TextCorpus.FromLines(lines, seed: 3);
        var c = TextCorpus.FromLines(lines, seed: 4);
        Assert.Equal(a.Lines.Select(l => string.Join(',', l)), b.Lines.Select(l => string.Join(',', l)));
        Assert.NotEqual(a.Lines.Select(l => string.Join(',', l)), c.Lines.Select(l => string.Join(',', l)));
        string file = Path.Combine(Path.GetTempPath(), $"gfs-text-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllLines(file, ["xy", "yz"]);
            var read = TextCorpus.Load(file, 10, 1, vocabulary: a.Vocabulary);
            Assert.Equal(a.Vocabulary, read.Vocabulary);
            Assert.Contains(read.Lines, l => l[0] == 0); // x and z are not in the saved vocabulary: unknown
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_missing_or_empty_text_file_is_refused_with_what_to_give()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"gfs-none-{Guid.NewGuid():N}.txt");
        Assert.Contains("no such file", Assert.Throws<FileNotFoundException>(() => TextCorpus.Load(missing, 10, 1)).Message);
        string empty = Path.GetTempFileName();
        try
        {
            File.WriteAllText(empty, "\n  \n");
            Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => TextCorpus.Load(empty, 10, 1)).Message);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    /// <summary>language_helpers.py's js_with written out for the test: n-gram frequencies P, Q; M = (P + Q)/2; in bits.</summary>
    private static double JsByDefinition(int n, int[][] a, int[][] b)
    {
        Dictionary<string, double> Freq(int[][] lines)
        {
            var grams = lines.SelectMany(l => Enumerable.Range(0, l.Length - n + 1).Select(i => string.Join(',', l[i..(i + n)]))).ToList();
            return grams.GroupBy(g => g).ToDictionary(g => g.Key, g => (double)g.Count() / grams.Count);
        }
        var p = Freq(a);
        var q = Freq(b);
        double kl(Dictionary<string, double> x, Dictionary<string, double> y) =>
            x.Sum(e => e.Value * Math.Log2(e.Value / (0.5 * e.Value + 0.5 * y.GetValueOrDefault(e.Key))));
        return 0.5 * (kl(p, q) + kl(q, p));
    }

    [Fact]
    public void The_ngram_divergence_is_the_jensen_shannon_divergence_in_bits()
    {
        int[][] a = [[1, 2, 3, 1, 2], [2, 2, 1, 3, 3]];
        int[][] b = [[1, 2, 1, 2, 4], [3, 3, 3, 1, 2], [4, 4, 1, 2, 2]];
        for (int n = 1; n <= 4; n++)
        {
            double js = new NgramModel(n, a).JensenShannon(new NgramModel(n, b));
            Assert.Equal(JsByDefinition(n, a, b), js, 12);
            Assert.Equal(js, new NgramModel(n, b).JensenShannon(new NgramModel(n, a)), 12); // symmetric
        }
        Assert.Equal(0, new NgramModel(2, a).JensenShannon(new NgramModel(2, [.. a, .. a])), 12);      // same frequencies
        Assert.Equal(1, new NgramModel(1, [[1, 1]]).JensenShannon(new NgramModel(1, [[2, 3]])), 12);  // nothing shared
    }

    [Fact]
    public void The_networks_map_noise_to_distributions_over_characters_and_back_to_one_score()
    {
        var random = new RandomStream(7);
        var g = TextNetworks.Generator(8, random, vocabulary: 6);
        var d = TextNetworks.Critic(8, random, vocabulary: 6);
        var z = Tensor.Randn([3, TextNetworks.NoiseSize], new RandomStream(8));
        var p = g.Forward(z);
        Assert.Equal([3, TextCorpus.SequenceLength, 6], p.Shape);
        var values = p.ToArray();
        for (int row = 0; row < 3 * TextCorpus.SequenceLength; row++)
            Assert.Equal(1.0, values.Skip(row * 6).Take(6).Sum(), 5);
        Assert.Equal([3, 1], d.Forward(p).Shape);
        // PyTorch's names, so the peer script loads a gfs generator.
        Assert.Contains("input.weight", g.StateDict().Keys);
        Assert.Contains("blocks.4.conv2.bias", g.StateDict().Keys);
        Assert.Contains("output.weight", d.StateDict().Keys);
        // Each sample alone: the critic's score of one sample does not depend on the others (the penalty's requirement).
        var one = d.Forward(p.Narrow(0, 1, 1)).ToArray()[0];
        Assert.Equal(d.Forward(p).ToArray()[1], one, 4);
    }
}
