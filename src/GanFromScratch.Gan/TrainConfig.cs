using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GanFromScratch.Engine;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>A setting changed when a run was resumed: at which iteration, from what, to what (as config.json writes them).</summary>
public sealed record SettingChange(int Iter, string Setting, JsonElement From, JsonElement To);

/// <summary>
/// Everything that defines a training run; saved in every checkpoint and in <c>config.json</c>.
/// The settings every variant has are properties; a variant's own settings (λ, c, the
/// generator's loss) are in <see cref="Options"/>, declared by the variant (<see cref="VariantOption"/>).
/// </summary>
public sealed record TrainConfig
{
    public string Variant { get; init; } = "wgan-gp";
    public string Dataset { get; init; } = "8gaussians";
    public int Iters { get; init; } = 1800;
    public int BatchSize { get; init; } = 256;
    public float Lr { get; init; } = 1e-4f;
    /// <summary>The generator's learning rate, where it is not <see cref="Lr"/> (null: <see cref="Lr"/>).</summary>
    public float? LrG { get; init; }
    /// <summary>The critic's learning rate, where it is not <see cref="Lr"/> (null: <see cref="Lr"/>).</summary>
    public float? LrD { get; init; }
    public float Beta1 { get; init; } = 0.5f;
    public float Beta2 { get; init; } = 0.9f;
    public int CriticIters { get; init; } = 5;
    public int Dim { get; init; } = 512;
    public ulong Seed { get; init; } = 1;
    public int EvalEvery { get; init; } = 100;
    /// <summary>Whose layers compute with spectrally normalized weights: none, critic, generator or both (<see cref="SpectralNormalization"/>).</summary>
    public string SpectralNorm { get; init; } = SpectralNormalization.None;
    /// <summary>The weight β of the generator's orthogonal regularization (<see cref="OrthogonalRegularization"/>); 0: none.</summary>
    public float Ortho { get; init; }
    /// <summary>Micro-batches per step whose gradients add up (<c>--accumulate</c>): the step of a batch this many times larger.</summary>
    public int Accumulate { get; init; } = 1;
    /// <summary>
    /// In a distributed run, batch norm takes its statistics over every rank's rows (<c>--sync-batch-norm</c>);
    /// saved, so that a resumed run keeps it. No effect in one process.
    /// </summary>
    public bool SyncBatchNorm { get; init; }
    /// <summary>The decay of the generator's moving average (<see cref="MovingAverage"/>); 0: none.</summary>
    public float EmaDecay { get; init; }
    /// <summary>The iteration from which the moving average averages (before it, it copies the generator).</summary>
    public int EmaStart { get; init; }

    // ---- images only ----
    /// <summary>Network pair for images (<see cref="ImageNetworks.Names"/>); null: the variant's default.</summary>
    public string? Arch { get; init; }
    /// <summary>Folder of IDX files (null: the Debian package's Fashion-MNIST).</summary>
    public string? DataDir { get; init; }
    /// <summary>Draw a grid of samples from fixed noise every N iterations.</summary>
    public int SampleEvery { get; init; } = 100;
    /// <summary>Generated images per Fréchet distance (against as many test images).</summary>
    public int FdSamples { get; init; } = 10000;
    /// <summary>The classifier checkpoint whose features define the Fréchet distance (null: none, no fd).</summary>
    public string? Classifier { get; init; }

    // ---- text only ----
    /// <summary>The text to learn, one sample per line (null: Debian's fortunes, <see cref="TextCorpus"/>).</summary>
    public string? TextFile { get; init; }
    /// <summary>The most characters the vocabulary holds, the unknown one included (<c>--vocab</c>).</summary>
    public int Vocab { get; init; } = TextCorpus.DefaultVocabularyLimit;
    /// <summary>The run's characters by index, fixed when its corpus is first read (so a checkpoint is sampled without the corpus).</summary>
    public IReadOnlyList<string>? Vocabulary { get; init; }
    /// <summary>
    /// How the training data is reshuffled every epoch (<see cref="EpochOrder"/>): 2, seeds independent; a
    /// saved configuration that does not name it was written before it existed and reads as 1, its
    /// run's order (seed s + 1's epochs those of seed s, one epoch later).
    /// </summary>
    public int DataOrder { get; init; } = EpochOrder.Current;

    /// <summary>The variant's own settings by key (<see cref="VariantOption.Key"/>); a missing one takes its default.</summary>
    public IReadOnlyDictionary<string, JsonElement> Options { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Settings changed by resumes, oldest first.</summary>
    public IReadOnlyList<SettingChange> Changes { get; init; } = [];

    /// <summary>Toy points, images or text, by the dataset's name.</summary>
    [JsonIgnore] public DataKind Kind => Datasets.KindOf(Dataset);

    /// <summary>The variant this run trains.</summary>
    [JsonIgnore] public Variant Rules => Registry.Get(Variant);

    /// <summary>The image networks: <c>--arch</c>, or the variant's default.</summary>
    [JsonIgnore] public string ChosenArch => Arch ?? Rules.DefaultArch;

    /// <summary>The learning rate of the player in <paramref name="role"/>.</summary>
    public float LrFor(string role) => role switch
    {
        Roles.Generator or Roles.Encoder => LrG ?? Lr,
        Roles.Critic => LrD ?? Lr,
        _ => Lr,
    };

    /// <summary>Stream k of the run's seed: an independent Philox key per purpose (weights, data, noise, α, …).</summary>
    public RandomStream Stream(ulong k) => new(Seed * 0x9E3779B97F4A7C15UL + k * 0xD1B54A32D192ED03UL + k);

    /// <summary>
    /// A variant's settings on a dataset: its learning rate, betas, critic steps and options, and
    /// the data's iterations, batch size and width (gan_toy.py's on toy data, gan_mnist.py's on
    /// images; on text gan_language.py's batch of 64 and critic steps, at a width and length a CPU
    /// finishes in minutes: <see cref="TextDefaultDim"/>, <see cref="TextDefaultIters"/>).
    /// </summary>
    public static TrainConfig Defaults(Variant variant, string dataset)
    {
        var kind = Datasets.KindOf(dataset);
        var d = variant.Defaults;
        bool toy = kind == DataKind.Toy, text = kind == DataKind.Text;
        return new TrainConfig
        {
            Variant = variant.Name,
            Dataset = dataset,
            Iters = toy ? 1800 : text ? TextDefaultIters : 2000,
            BatchSize = toy ? 256 : text ? 64 : d.ImageBatchSize ?? 50,
            Dim = toy ? 512 : text ? TextDefaultDim : 64,
            EvalEvery = text ? 50 : 100,
            Lr = d.Lr,
            LrG = d.LrG,
            LrD = d.LrD,
            Beta1 = d.Beta1,
            Beta2 = d.Beta2,
            CriticIters = text ? d.TextCriticSteps ?? d.CriticSteps : d.CriticSteps,
            SpectralNorm = d.SpectralNorm,
            Ortho = d.Ortho,
            EmaDecay = d.EmaDecay,
            Options = variant.Options.ToDictionary(o => o.Key, o => o.DefaultFor(kind)),
        };
    }

    /// <summary>The text networks' width unless <c>--dim</c> says otherwise (the paper's is 512: about 60× the work per iteration).</summary>
    public const int TextDefaultDim = 64;

    /// <summary>Iterations on text unless <c>--iters</c> says otherwise (the paper trains 200,000).</summary>
    public const int TextDefaultIters = 300;

    /// <summary>A copy with the variant's option <paramref name="key"/> set to <paramref name="value"/>.</summary>
    public TrainConfig WithOption<T>(VariantOption<T> option, T value) where T : notnull =>
        this with { Options = new Dictionary<string, JsonElement>(Options) { [option.Key] = VariantOption<T>.ToJson(value) } };

    /// <summary>
    /// A copy that names every option of its variant, those it does not with their defaults for its
    /// data: what a run saves, so that an option missing from a saved configuration can only be one
    /// added since (<see cref="WithOptionsAddedSince"/>).
    /// </summary>
    public TrainConfig WithEveryOption() => WithMissingOptions(option => option.DefaultFor(Kind));

    /// <summary>
    /// A saved configuration with the options added to its variant since it was written: each
    /// with the value that run had (<see cref="VariantOption.ValueBeforeAdded"/>), where declared.
    /// </summary>
    internal TrainConfig WithOptionsAddedSince() => WithMissingOptions(option => option.ValueBeforeAdded);

    /// <summary>A copy in which each option of the variant that this configuration does not name takes <paramref name="valueOf"/>'s value, where it gives one.</summary>
    private TrainConfig WithMissingOptions(Func<VariantOption, JsonElement?> valueOf)
    {
        var missing = Rules.Options.Where(o => !Options.ContainsKey(o.Key)).Select(o => (o.Key, Value: valueOf(o))).Where(m => m.Value is not null).ToList();
        if (missing.Count == 0) return this;
        var options = new Dictionary<string, JsonElement>(Options);
        foreach (var (key, value) in missing) options[key] = value!.Value;
        return this with { Options = options };
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, new JsonSerializerOptions(JsonOptions) { WriteIndented = indented });

    public static TrainConfig FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return FromJson(document.RootElement);
    }

    /// <summary>A saved configuration; one that does not name <c>data_order</c> was written before it, and keeps its run's first order.</summary>
    private static TrainConfig FromJson(JsonElement saved)
    {
        var config = saved.Deserialize<TrainConfig>(JsonOptions) ?? throw new InvalidDataException("The saved configuration is empty.");
        return saved.TryGetProperty("data_order", out _) ? config : config with { DataOrder = EpochOrder.FirstScheme };
    }

    /// <summary>
    /// The settings a run saved in <paramref name="path"/> (its config.json), checked as the command
    /// line checks them; <see cref="InvalidDataException"/> says in one line why a file is not one.
    /// Options its variant gained since the file was written take the values that run had.
    /// </summary>
    public static TrainConfig ReadFile(string path)
    {
        TrainConfig config;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var saved = document.RootElement;
            if (saved.ValueKind != JsonValueKind.Object || !saved.TryGetProperty("variant", out var v) || v.ValueKind != JsonValueKind.String)
                throw new InvalidDataException("it names no variant");
            // A file from before a variant owned its options: its λ, c or generator loss at the top, as its checkpoint has them.
            bool early = !saved.TryGetProperty("options", out _) && PreRegistrySettings.Any(k => saved.TryGetProperty(k, out _));
            var known = SavedProperties();
            foreach (var property in saved.EnumerateObject())
                if (!known.ContainsKey(property.Name) && !(early && PreRegistrySettings.Contains(property.Name)))
                    throw new InvalidDataException($"'{property.Name}' is not a setting gfs saves" +
                        (Closest(property.Name, known.Keys) is { } near ? $" (did you mean '{near}'?)" : "") + ", so it would be ignored");
            config = early ? FromPreRegistryJson(saved.GetRawText()) : FromJson(saved);
        }
        catch (JsonException e) when (SettingOf(e) is { } name && SavedProperties().TryGetValue(name, out var type))
        {
            throw new InvalidDataException($"{path}: '{name}' must be {Describe(name, type)} (line {e.LineNumber + 1}); fix it or give the config.json a run wrote.");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            string reason = string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            throw new InvalidDataException($"{path} is not a gfs run configuration ({reason}): give the config.json a run wrote.");
        }
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
        return config.WithOptionsAddedSince(); // a file from an earlier gfs: its run did what it did before those options
    }

    /// <summary>Settings a configuration held at its top level before a variant owned its options (version 1 of checkpoints; now under "options").</summary>
    private static readonly string[] PreRegistrySettings = ["lambda", "clip", "g_loss"];

    /// <summary>
    /// A configuration written before a variant owned its options, in today's terms: its variant's
    /// own settings (lambda, clip, g_loss), top-level then for every variant, move under options —
    /// those the variant declares; the others were never used by it.
    /// </summary>
    internal static TrainConfig FromPreRegistryJson(string json)
    {
        var old = JsonNode.Parse(json)!.AsObject();
        var variant = Registry.Get(old["variant"]!.GetValue<string>());
        var options = new JsonObject();
        foreach (string key in PreRegistrySettings)
        {
            if (old[key] is { } value && variant.Options.Any(o => o.Key == key)) options[key] = value.DeepClone();
            old.Remove(key);
        }
        old["options"] = options;
        return FromJson(old.ToJsonString());
    }

    /// <summary>The top-level setting a JSON error is in ("$.dim" → dim), or null.</summary>
    private static string? SettingOf(JsonException e) => e.Path is { Length: > 2 } at ? at[2..].Split('.', '[')[0] : null;

    /// <summary>The names config.json holds (snake_case), each with its type.</summary>
    private static Dictionary<string, Type> SavedProperties() =>
        JsonOptions.GetTypeInfo(typeof(TrainConfig)).Properties.ToDictionary(p => p.Name, p => p.PropertyType);

    /// <summary>What a value of <paramref name="type"/> looks like in JSON, for a message.</summary>
    private static string Describe(string name, Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(ulong) => "a whole number ≥ 0",
        var t when t == typeof(int) => $"a whole number from {int.MinValue:N0} to {int.MaxValue:N0}" + (Nullable.GetUnderlyingType(type) is null ? "" : ", or null"),
        var t when t == typeof(long) => "a whole number" + (Nullable.GetUnderlyingType(type) is null ? "" : " or null"),
        var t when t == typeof(float) || t == typeof(double) => "a number" + (Nullable.GetUnderlyingType(type) is null ? "" : " or null"),
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(string) => name is "variant" or "dataset" ? "a string in quotes" : "a string in quotes or null",
        _ => "a value of the kind a run writes there",
    };

    /// <summary>The known name nearest to <paramref name="name"/> by edit distance, if it is close (a typo).</summary>
    private static string? Closest(string name, IEnumerable<string> known)
    {
        static int Distance(string a, string b)
        {
            var row = Enumerable.Range(0, b.Length + 1).ToArray();
            for (int i = 1; i <= a.Length; i++)
            {
                int diagonal = row[0];
                row[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int above = row[j];
                    row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                    diagonal = above;
                }
            }
            return row[b.Length];
        }
        var (best, distance) = known.Select(k => (k, Distance(name, k))).MinBy(p => p.Item2);
        return distance <= Math.Max(1, name.Length / 3) ? best : null;
    }

    /// <summary>Refuses impossible settings, naming the option (as the command line spells it).</summary>
    public void Validate()
    {
        var variant = Registry.Find(Variant) ?? throw new ArgumentException(
            $"Unknown variant '{Variant}'. Valid variants: {string.Join(", ", Registry.Names)}.");
        if (!Datasets.IsKnown(Dataset))
            throw new ArgumentException($"Unknown dataset '{Dataset}'. Valid: {string.Join(", ", ToyDataset.Names)} (toy 2-D data), " +
                                        $"{string.Join(", ", ImageDatasets.Names)} (images), {Datasets.Text} (lines of text).");
        var kind = Kind;
        if (!variant.Accepts.Contains(kind))
            throw new ArgumentException($"{Variant} trains on {string.Join(" or ", variant.Accepts.Select(Datasets.Describe))}, not on {Dataset}: " +
                                        $"use --dataset {string.Join(" or ", variant.Accepts.SelectMany(Datasets.NamesOf))}.");
        if (variant.NeedsLabels && DataShape.Of(this).Classes == 0)
            throw new ArgumentException($"{Variant} is conditioned on labels, and {Dataset} has none: use a mixture " +
                                        $"({string.Join(", ", ToyDataset.Names.Where(n => ToyDataset.Get(n).Centres is not null))}) or images.");
        if (kind == DataKind.Images)
        {
            string arch = Arch ?? variant.DefaultArch;
            if (!variant.Architectures.Contains(arch))
                throw new ArgumentException($"--arch: {Variant} has no architecture '{arch}'. Valid: {string.Join(", ", variant.Architectures)}.");
        }
        Require(Vocab >= 2, "--vocab", $"must be at least 2: the unknown character and one more (got {Vocab})");
        Require(Iters > 0, "--iters", $"must be at least 1 (got {Iters})");
        Require(BatchSize >= 1, "--batch-size", $"must be at least 1 (got {BatchSize})");
        Require(Lr > 0 && float.IsFinite(Lr), "--lr", $"must be a positive number (got {Lr})");
        Require(LrG is null || (LrG > 0 && float.IsFinite(LrG.Value)), "--lr-g", $"must be a positive number (got {LrG})");
        Require(LrD is null || (LrD > 0 && float.IsFinite(LrD.Value)), "--lr-d", $"must be a positive number (got {LrD})");
        Require(CriticIters >= 1, "--critic-iters", $"must be at least 1 (got {CriticIters})");
        Require(Dim >= 1, "--dim", $"must be at least 1 (got {Dim})");
        Require(Ortho >= 0 && float.IsFinite(Ortho), "--ortho", $"must be a number ≥ 0 (got {Ortho})");
        Require(Accumulate >= 1, "--accumulate", $"must be at least 1 (got {Accumulate})");
        Require(EmaDecay == 0 || (EmaDecay > 0 && EmaDecay < 1), "--ema", $"must be a decay between 0 and 1, exclusive, such as 0.999, or 0 for no average (got {EmaDecay})");
        Require(EmaStart >= 0, "--ema-start", $"must be at least 0 (got {EmaStart})");
        Require(SpectralNormalization.Choices.Contains(SpectralNorm), "--spectral-norm", $"must be one of {string.Join(", ", SpectralNormalization.Choices)} (got {SpectralNorm})");
        Require(EvalEvery >= 1, "--eval-every", $"must be at least 1 (got {EvalEvery})");
        Require(SampleEvery >= 1, "--sample-every", $"must be at least 1 (got {SampleEvery})");
        Require(FdSamples >= 2, "--fd-samples", $"must be at least 2 (got {FdSamples})");
        Require(Beta1 >= 0 && Beta1 < 1, "--beta1", $"must be in [0, 1) (got {Beta1})");
        Require(Beta2 >= 0 && Beta2 < 1, "--beta2", $"must be in [0, 1) (got {Beta2})");
        if (DataOrder is not (EpochOrder.FirstScheme or EpochOrder.Current))
            throw new ArgumentException($"data_order must be {EpochOrder.FirstScheme} or {EpochOrder.Current} (got {DataOrder}): the configuration was edited or a newer gfs wrote it.");
        foreach (var key in Options.Keys)
            if (variant.Options.All(o => o.Key != key))
                throw new ArgumentException($"'{key}' is not an option of {Variant}" +
                                            (variant.Options.Count > 0 ? $" (its options: {string.Join(", ", variant.Options.Select(o => "--" + o.Name))})." : ", which has none of its own."));
        foreach (var option in variant.Options)
            if (Options.TryGetValue(option.Key, out var value) && option.Problem(value) is { } problem)
                throw new ArgumentException($"--{option.Name} {problem}.");
        RequireSize(variant);
        // Networks the game cannot be played with (a penalty critic with batch norm) are refused
        // before any data is loaded: the variant checks a width-1 copy of its players.
        var narrow = this with { Dim = 1 };
        variant.CheckPlayers(variant.CreatePlayers(new NetworkBuilder(narrow, DataShape.Of(narrow), new RandomStream(0))), narrow);
    }

    /// <summary>
    /// Refuses sizes the run cannot hold before anything is allocated: an iteration's real batches
    /// (all critic steps', stacked) must fit in one tensor, and the memory an iteration needs —
    /// an estimate from the networks' width, measured on gfs's own runs (toy: ~160 bytes per hidden
    /// unit per sample; images: ~6,000·DIM² bytes per sample) — must fit in this machine's.
    /// </summary>
    private void RequireSize(Variant variant)
    {
        long perSample = ValuesPerSample();
        long realValues = (long)BatchSize * CriticIters * perSample;
        if (realValues > int.MaxValue)
            throw new ArgumentException($"--batch-size {BatchSize} × --critic-iters {CriticIters} × {perSample} values per sample = {realValues:N0} values in an " +
                                        $"iteration's real batches, more than a tensor holds ({int.MaxValue:N0}): give a smaller --batch-size or --critic-iters.");
        double work = Kind switch { DataKind.Toy => 160.0 * Dim, DataKind.Text => 4000.0 * Dim, _ => 6000.0 * Dim * Dim };
        RequireMemory(4.0 * realValues + BatchSize * (work + 4.0 * perSample * 8), $"--batch-size {BatchSize} at --dim {Dim} needs",
            "give a smaller --batch-size or --dim");
    }

    /// <summary>
    /// Refuses a number of samples to make or encode at once (<paramref name="option"/>, such as -n)
    /// that no tensor or this machine's memory holds. The estimate is twice what gfs sample was seen
    /// to take (peak resident memory, 2026-12-08): ~12·DIM bytes a toy point, ~120·DIM² an image;
    /// text taken as the toy networks' ratio of sampling to training memory.
    /// </summary>
    public void RequireSamples(long count, string option)
    {
        long perSample = ValuesPerSample();
        if (count * perSample > int.MaxValue)
            throw new ArgumentException($"{option} {count:N0}: {count:N0} samples of {perSample:N0} values are more than a tensor holds ({int.MaxValue:N0} values): " +
                                        $"give {option} {int.MaxValue / perSample:N0} or fewer (and another --seed for more).");
        double work = Kind switch { DataKind.Toy => 24.0 * Dim, DataKind.Text => 600.0 * Dim, _ => 240.0 * Dim * Dim };
        RequireMemory(count * (work + 4.0 * perSample * 4), $"{option} {count:N0} needs", $"give a smaller {option} (and another --seed for more)",
            " at once");
    }

    /// <summary>The numbers in one sample of this run's data (2 for a toy point, 784 for an image).</summary>
    private long ValuesPerSample() => DataShape.Of(this).Sample.Aggregate(1L, (a, d) => a * d);

    /// <summary>Refuses work estimated at <paramref name="bytes"/> of memory when this machine has less: "{what} about … of memory{when} (an estimate), more than this machine's …: {remedy}."</summary>
    private static void RequireMemory(double bytes, string what, string remedy, string when = "")
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && bytes > available)
            throw new ArgumentException($"{what} about {Bytes(bytes)} of memory{when} (an estimate), more than this machine's {Bytes(available)}: {remedy}.");
    }

    private static string Bytes(double b) => b switch
    {
        >= 1e12 => $"{b / 1e12:F1} TB",
        >= 1e9 => $"{b / 1e9:F1} GB",
        _ => $"{b / 1e6:F0} MB",
    };

    private static void Require(bool ok, string option, string what)
    {
        if (!ok) throw new ArgumentException($"{option} {what}.");
    }
}
