using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// <c>--spectral-norm critic|generator|both</c>, for any variant: every Linear, Conv2d and
/// ConvTranspose2d of the chosen players computes with W/σ̂(W) (<see cref="SpectralNorm"/>;
/// Miyato et al. 2018 normalize the critic, BigGAN both players). The vectors u and v start from
/// stream 21 of the seed — so switching it on leaves the initial weights as they were — and are
/// saved in checkpoints beside the weights (<c>critic.main.0.weight_u</c>, …).
/// </summary>
public static class SpectralNormalization
{
    public const string None = "none";

    public static readonly string[] Choices = [None, "critic", "generator", "both"];

    /// <summary>The roles whose layers <paramref name="choice"/> normalizes.</summary>
    public static IReadOnlyList<string> RolesOf(string choice) => choice switch
    {
        "critic" => [Roles.Critic],
        "generator" => [Roles.Generator],
        "both" => [Roles.Generator, Roles.Critic],
        _ => [],
    };

    /// <summary>Switches spectral normalization on as the run's configuration says; returns how many layers it normalizes.</summary>
    public static int Apply(Players players, TrainConfig config)
    {
        var random = config.Stream(21);
        int layers = 0;
        foreach (var role in RolesOf(config.SpectralNorm))
        {
            var weighted = players[role].Network.Modules().OfType<IWeightedLayer>().ToList();
            if (weighted.Count == 0) // an option that would do nothing is refused, not ignored
                throw new ArgumentException($"--spectral-norm {config.SpectralNorm}: {config.Variant}'s {role} has no linear or convolution layer to " +
                                            "normalize (its layers are weight-normalized); choose " +
                                            string.Join(" or ", Choices.Where(c => c == None || RolesOf(c).All(r => r != role))) + ".");
            foreach (var layer in weighted)
            {
                layer.WithSpectralNorm(random);
                layers++;
            }
        }
        return layers;
    }
}
