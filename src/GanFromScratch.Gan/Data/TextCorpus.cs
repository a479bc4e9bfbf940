using System.Globalization;
using System.Text;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// A text corpus as the WGAN-GP authors' <c>language_helpers.load_dataset</c> prepares one: one
/// sample per line, cut or padded to <see cref="SequenceLength"/> characters with the padding
/// character <see cref="Padding"/> (their backtick), a vocabulary of the most frequent characters
/// (padding included) up to a limit, index 0 the unknown character that stands for every other,
/// and the lines in a seeded order. Lines are read as UTF-8 with their whitespace normalized (runs
/// of spaces and tabs to one space, trimmed; control characters dropped; empty lines skipped) —
/// the authors' Billion Word files need none of that, fortune files do.
/// </summary>
public sealed class TextCorpus
{
    /// <summary>Characters per sample: gan_language.py's SEQ_LEN.</summary>
    public const int SequenceLength = 32;

    /// <summary>What pads a line shorter than <see cref="SequenceLength"/>.</summary>
    public const string Padding = "`";

    /// <summary>How the unknown character prints (vocabulary index 0).</summary>
    public const string Unknown = "\uFFFD";

    /// <summary>The vocabulary's size unless <c>--vocab</c> says otherwise: the paper's 2,048.</summary>
    public const int DefaultVocabularyLimit = 2048;

    /// <summary>Where Debian's <c>fortunes</c> package puts its fortune files.</summary>
    public const string FortunesFolder = "/usr/share/games/fortunes";

    /// <summary>The package's files of pictures rather than text, left out of the default corpus.</summary>
    private static readonly string[] Pictures = ["art", "ascii-art"];

    private TextCorpus(string name, int[][] lines, IReadOnlyList<string> vocabulary)
    {
        Name = name;
        Lines = lines;
        Vocabulary = vocabulary;
        _index = vocabulary.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
    }

    private readonly Dictionary<string, int> _index;

    /// <summary>Where the text came from.</summary>
    public string Name { get; }

    /// <summary>Every sample as <see cref="SequenceLength"/> character indices, in the corpus's seeded order.</summary>
    public int[][] Lines { get; }

    /// <summary>The characters by index: 0 unknown, then by frequency (most frequent first, ties in code order).</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>
    /// Reads the text of <paramref name="path"/> (one sample per line), or, when it is null, the
    /// fortunes of Debian's <c>fortunes</c> package (every fortune file but the two of ASCII art,
    /// the <c>%</c> lines between fortunes dropped). With <paramref name="vocabulary"/> given (a
    /// resumed or sampled run), the characters are indexed by it and the corpus's own counts are not used.
    /// </summary>
    public static TextCorpus Load(string? path, int vocabularyLimit, ulong seed, IReadOnlyList<string>? vocabulary = null)
    {
        if (vocabularyLimit < 2)
            throw new ArgumentException($"--vocab must be at least 2 (the unknown character and one more), got {vocabularyLimit}.");
        var (name, raw) = path is null ? ReadFortunes() : ReadFile(path);
        var lines = Prepare(raw);
        if (lines.Count < 2)
            throw new ArgumentException($"{name} holds {lines.Count} non-empty line(s); a text corpus needs at least 2 (one sample per line).");
        return Build(name, lines, vocabulary ?? CountVocabulary(lines, vocabularyLimit), seed);
    }

    /// <summary>A corpus of the given lines (tests), with the vocabulary counted from them.</summary>
    public static TextCorpus FromLines(IEnumerable<string> text, int vocabularyLimit = DefaultVocabularyLimit, ulong seed = 1)
    {
        var lines = Prepare(text);
        return Build("lines", lines, CountVocabulary(lines, vocabularyLimit), seed);
    }

    /// <summary>Raw lines as samples: normalized, the empty ones skipped, each cut to <see cref="SequenceLength"/> characters.</summary>
    private static List<List<string>> Prepare(IEnumerable<string> raw) => [.. raw.Select(Normalize).Where(l => l.Length > 0).Select(Characters)];

    /// <summary>
    /// The samples in the seeded order of <see cref="EpochOrder.Permutation"/> (a pure function of the
    /// seed), each encoded by <paramref name="vocabulary"/>.
    /// </summary>
    private static TextCorpus Build(string name, List<List<string>> lines, IReadOnlyList<string> vocabulary, ulong seed)
    {
        var order = EpochOrder.Permutation(lines.Count, seed);
        var corpus = new TextCorpus(name, new int[lines.Count][], vocabulary);
        for (int i = 0; i < lines.Count; i++) corpus.Lines[i] = corpus.Encode(lines[order[i]]);
        return corpus;
    }

    /// <summary>A line as <see cref="SequenceLength"/> indices: cut, padded, characters outside the vocabulary as 0.</summary>
    public int[] Encode(IReadOnlyList<string> characters)
    {
        var indices = new int[SequenceLength];
        for (int t = 0; t < SequenceLength; t++)
            indices[t] = _index.GetValueOrDefault(t < characters.Count ? characters[t] : Padding, 0);
        return indices;
    }

    /// <summary>Indices back to text, the padding left out (index 0 prints as <see cref="Unknown"/>).</summary>
    public static string Decode(IEnumerable<int> indices, IReadOnlyList<string> vocabulary)
    {
        var text = new StringBuilder();
        foreach (int i in indices)
        {
            string c = i == 0 ? Unknown : vocabulary[i];
            if (c != Padding) text.Append(c);
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>One line as text characters (grapheme clusters would split emoji sequences no better for a 32-character model: code points).</summary>
    private static List<string> Characters(string line)
    {
        var list = new List<string>(line.Length);
        foreach (var rune in line.EnumerateRunes()) list.Add(rune.ToString());
        return list.Count > SequenceLength ? list[..SequenceLength] : list;
    }

    /// <summary>Whitespace runs to one space, trimmed; control characters (fortune files' overstrikes) dropped.</summary>
    private static string Normalize(string line)
    {
        var text = new StringBuilder(line.Length);
        bool space = false;
        foreach (var rune in line.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune)) { space = text.Length > 0; continue; }
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format) continue;
            if (space) text.Append(' ');
            space = false;
            text.Append(rune.ToString());
        }
        return text.ToString();
    }

    /// <summary>Index 0 unknown, then the limit − 1 most frequent other characters, padding counted as a character (as the authors count it).</summary>
    private static IReadOnlyList<string> CountVocabulary(List<List<string>> lines, int limit)
    {
        var counts = new Dictionary<string, long>();
        foreach (var line in lines)
        {
            // U+FFFD (a byte that is not UTF-8, or the character itself) is the unknown character, index 0 already.
            foreach (var c in line)
                if (c != Unknown) counts[c] = counts.GetValueOrDefault(c) + 1;
            if (line.Count < SequenceLength) counts[Padding] = counts.GetValueOrDefault(Padding) + SequenceLength - line.Count;
        }
        return [Unknown, .. counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(limit - 1).Select(p => p.Key)];
    }

    private static (string Name, IEnumerable<string> Lines) ReadFile(string path)
    {
        if (Directory.Exists(path))
            throw new ArgumentException($"--data {path} is a folder; for --dataset text give a UTF-8 text file, one sample per line.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"--data {path}: there is no such file. Give a UTF-8 text file, one sample per line.");
        if (HoldsNulBytes(path))
            throw new ArgumentException($"--data {path} holds NUL bytes: it is a binary file (or UTF-16 text), not UTF-8 text. " +
                                        "Give a UTF-8 text file, one sample per line (iconv -t UTF-8 converts other encodings).");
        return (Path.GetFileName(path), File.ReadLines(path, Encoding.UTF8));
    }

    /// <summary>Whether the file's first 64 KiB hold a NUL byte, which no UTF-8 text has (and every UTF-16 text and most binaries do).</summary>
    private static bool HoldsNulBytes(string path)
    {
        var head = new byte[64 * 1024];
        using var file = File.OpenRead(path);
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Array.IndexOf(head, (byte)0, 0, read) >= 0;
    }

    /// <summary>The lines of the fortune files in <paramref name="folder"/> (Debian's by default): every file without an extension but the pictures, the % lines between fortunes dropped.</summary>
    public static (string Name, IEnumerable<string> Lines) ReadFortunes(string folder = FortunesFolder)
    {
        var files = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Where(f => Path.GetExtension(f) == "" && !Pictures.Contains(Path.GetFileName(f)))
                .Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
            throw new FileNotFoundException($"The default text corpus, Debian's fortunes, is not installed ({folder} holds no fortune files): " +
                                            "install it with 'sudo apt-get install fortunes', or give your own text with --data FILE (UTF-8, one sample per line).");
        return ("fortunes", files.SelectMany(f => File.ReadLines(f, Encoding.UTF8)).Where(l => l.Trim() != "%"));
    }
}
