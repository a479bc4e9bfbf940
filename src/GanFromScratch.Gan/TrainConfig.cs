using System.Text.Json;
using System.Text.Json.Serialization;

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
        _ = GanVariant.Get(Variant, GLoss);
        _ = ToyDataset.Get(Dataset);
        Require(Iters > 0, "--iters", $"must be at least 1 (got {Iters})");
        Require(BatchSize >= 1, "--batch-size", $"must be at least 1 (got {BatchSize})");
        Require(Lr > 0 && float.IsFinite(Lr), "--lr", $"must be a positive number (got {Lr})");
        Require(CriticIters >= 1, "--critic-iters", $"must be at least 1 (got {CriticIters})");
        Require(Lambda >= 0 && float.IsFinite(Lambda), "--lambda", $"must be a number ≥ 0 (got {Lambda})");
        Require(Clip > 0 && float.IsFinite(Clip), "--clip", $"must be a positive number (got {Clip})");
        Require(Dim >= 1, "--dim", $"must be at least 1 (got {Dim})");
        Require(EvalEvery >= 1, "--eval-every", $"must be at least 1 (got {EvalEvery})");
        Require(Beta1 >= 0 && Beta1 < 1, "--beta1", $"must be in [0, 1) (got {Beta1})");
        Require(Beta2 >= 0 && Beta2 < 1, "--beta2", $"must be in [0, 1) (got {Beta2})");
    }

    private static void Require(bool ok, string option, string what)
    {
        if (!ok) throw new ArgumentException($"{option} {what}.");
    }
}
