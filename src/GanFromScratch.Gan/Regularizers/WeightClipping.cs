using GanFromScratch.Nn;

namespace GanFromScratch.Gan;

/// <summary>
/// The original WGAN's Lipschitz constraint (Arjovsky et al., 2017): after each critic step,
/// every weight of the critic is clamped to [−c, c], so the critic stays K-Lipschitz for some K
/// that depends on c and the architecture. A NaN weight stays NaN (the clamp propagates it), so
/// a diverged critic is still seen as one.
/// </summary>
public static class WeightClipping
{
    public static void Apply(Module module, float c)
    {
        if (!(c > 0)) throw new ArgumentException($"The clipping bound must be positive, got {c}.");
        foreach (var p in module.Parameters()) p.Clamp_(-c, c);
    }
}
