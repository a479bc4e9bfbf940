using System.Globalization;
using System.Text.Json;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>
/// A setting that belongs to one variant — the penalty weight λ of WGAN-GP, the clipping bound c
/// of WGAN, the generator's loss of the original GAN. It has a name (<c>--lambda</c> on the
/// command line, <c>"lambda"</c> under <c>options</c> in config.json), a description for the
/// help, a default for each kind of data, and a check. The command line, config.json and
/// checkpoints are built from these declarations; nothing else needs to know them.
/// </summary>
public abstract class VariantOption(string name, string description)
{
    /// <summary>The option as the command line spells it, without the dashes: "lambda", "g-loss".</summary>
    public string Name { get; } = name;

    /// <summary>The key in config.json's <c>options</c>: the name in snake case ("g_loss").</summary>
    public string Key => Name.Replace('-', '_');

    public string Description { get; } = description;

    /// <summary>Whether a resumed run must keep the saved value (it chose the run's data, as the labelled subset does).</summary>
    public bool FixedAtResume { get; init; }

    /// <summary>
    /// The value of a run whose checkpoint's configuration does not name the option — saved before the
    /// option was added, since every trainer's configuration names them all — or null for the default:
    /// what that run did. (A config.json rerun with --config is a new run and takes the default.)
    /// </summary>
    public JsonElement? ValueBeforeAdded { get; init; }

    /// <summary>The type of its value (float, int, string).</summary>
    public abstract Type ValueType { get; }

    /// <summary>The default on <paramref name="kind"/> data, as config.json holds it.</summary>
    public abstract JsonElement DefaultFor(DataKind kind);

    /// <summary>What is wrong with <paramref name="value"/> (a sentence to follow the option's name), or null when it is allowed.</summary>
    public abstract string? Problem(JsonElement value);

    /// <summary>The value as a person reads it, for the run's header line and for messages.</summary>
    public abstract string Format(JsonElement value);
}

/// <summary>A variant's setting of type <typeparamref name="T"/> (see <see cref="VariantOption"/>).</summary>
public sealed class VariantOption<T>(string name, string description, T toyDefault, T imageDefault, Func<T, bool> valid, string requirement)
    : VariantOption(name, description) where T : notnull
{
    /// <summary>An option with the same default on every kind of data.</summary>
    public VariantOption(string name, string description, T @default, Func<T, bool> valid, string requirement)
        : this(name, description, @default, @default, valid, requirement) { }

    /// <summary>The values a string option accepts (the command line lists them); null: any that <c>valid</c> allows.</summary>
    public IReadOnlyList<T>? Choices { get; init; }

    public override Type ValueType => typeof(T);

    public T Default(DataKind kind) => kind == DataKind.Toy ? toyDefault : imageDefault;

    public override JsonElement DefaultFor(DataKind kind) => ToJson(Default(kind));

    public static JsonElement ToJson(T value) => JsonSerializer.SerializeToElement(value, TrainConfig.JsonOptions);

    /// <summary>The value this run uses: config.json's, or the default for its data.</summary>
    public T Of(TrainConfig config) =>
        config.Options.TryGetValue(Key, out var value) ? Read(value) : Default(config.Kind);

    public override string? Problem(JsonElement value)
    {
        T v;
        try
        {
            v = Read(value);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return $"must be {requirement} (got {value.GetRawText()})";
        }
        if (Choices is { } choices && !choices.Contains(v))
            return $"must be one of {string.Join(", ", choices)} (got {Format(value)})";
        return valid(v) ? null : $"must be {requirement} (got {Format(value)})";
    }

    public override string Format(JsonElement value) => Read(value) switch
    {
        float f => TrainingRun.Format(f),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        var x => x.ToString() ?? "",
    };

    private static T Read(JsonElement value) => value.Deserialize<T>(TrainConfig.JsonOptions) ?? throw new JsonException("null");
}
