using System.Text.Json;
using System.Text.Json.Serialization;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Gan;

/// <summary>Everything that defines a training run; saved in every checkpoint and in <c>config.json</c>.</summary>
public sealed record TrainConfig
{
    public string Variant { get; init; } = "wgan-gp";
    public string Dataset { get; init; } = "8gaussians";
    public int Iters { get; init; } = 1800;
    public int BatchSize { get; init; } = 256;
    public float Lr { get; init; } = 1e-4f;
    public float Beta1 { get; init; } = 0.5f;
    public float Beta2 { get; init; } = 0.9f;
    public int CriticIters { get; init; } = 5;
    /// <summary>The penalty weight; 10 is the paper's (the command line gives toy data <see cref="ToyDataset.DefaultPenaltyWeight"/>).</summary>
    public float Lambda { get; init; } = 10f;
    public float Clip { get; init; } = 0.01f;
    public int Dim { get; init; } = 512;
    public string GLoss { get; init; } = "non-saturating";
    public ulong Seed { get; init; } = 1;
    public int EvalEvery { get; init; } = 100;

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

    /// <summary>True for image datasets, false for the toy 2-D ones.</summary>
    [JsonIgnore] public bool IsImages => ImageDatasets.Names.Contains(Dataset);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, new JsonSerializerOptions(Json) { WriteIndented = indented });

    public static TrainConfig FromJson(string json) =>
        JsonSerializer.Deserialize<TrainConfig>(json, Json) ?? throw new InvalidDataException("The saved configuration is empty.");

    /// <summary>Refuses impossible settings, naming the option (as the command line spells it).</summary>
    public void Validate()
    {
        var variant = GanVariant.Get(Variant, GLoss);
        if (!IsImages && !ToyDataset.Names.Contains(Dataset))
            throw new ArgumentException($"Unknown dataset '{Dataset}'. Valid: {string.Join(", ", ToyDataset.Names)} (toy 2-D data), " +
                                        $"{string.Join(", ", ImageDatasets.Names)} (images).");
        if (IsImages)
        {
            var arch = Arch ?? ImageNetworks.DefaultFor(variant);
            if (!ImageNetworks.Names.Contains(arch))
                throw new ArgumentException($"--arch: unknown architecture '{arch}'. Valid: {string.Join(", ", ImageNetworks.Names)}.");
            // A penalty critic must not normalize across the batch (checked on a width-1 copy of the architecture).
            if (variant.UsesPenalty) ImageNetworks.CheckPenaltyCritic(ImageNetworks.Create(arch, 1, new Engine.RandomStream(0)).Critic, arch);
        }
        else if (variant.NeedsImages)
            throw new ArgumentException($"{Variant} trains convolutional networks on images: use --dataset {string.Join(" or ", ImageDatasets.Names)}.");
        Require(Iters > 0, "--iters", $"must be at least 1 (got {Iters})");
        Require(BatchSize >= 1, "--batch-size", $"must be at least 1 (got {BatchSize})");
        Require(Lr > 0 && float.IsFinite(Lr), "--lr", $"must be a positive number (got {Lr})");
        Require(CriticIters >= 1, "--critic-iters", $"must be at least 1 (got {CriticIters})");
        Require(Lambda >= 0 && float.IsFinite(Lambda), "--lambda", $"must be a number ≥ 0 (got {Lambda})");
        Require(Clip > 0 && float.IsFinite(Clip), "--clip", $"must be a positive number (got {Clip})");
        Require(Dim >= 1, "--dim", $"must be at least 1 (got {Dim})");
        Require(EvalEvery >= 1, "--eval-every", $"must be at least 1 (got {EvalEvery})");
        Require(SampleEvery >= 1, "--sample-every", $"must be at least 1 (got {SampleEvery})");
        Require(FdSamples >= 2, "--fd-samples", $"must be at least 2 (got {FdSamples})");
        Require(Beta1 >= 0 && Beta1 < 1, "--beta1", $"must be in [0, 1) (got {Beta1})");
        Require(Beta2 >= 0 && Beta2 < 1, "--beta2", $"must be in [0, 1) (got {Beta2})");
    }

    private static void Require(bool ok, string option, string what)
    {
        if (!ok) throw new ArgumentException($"{option} {what}.");
    }
}
