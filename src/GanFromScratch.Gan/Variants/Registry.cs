namespace GanFromScratch.Gan;

/// <summary>
/// Every variant gfs trains, in the order the help lists them. A new variant is a file under
/// Variants/ and a line here: the command line, config.json and checkpoints are built from this list.
/// </summary>
public static class Registry
{
    public static readonly IReadOnlyList<Variant> All =
    [
        new Gan(),
        new Dcgan(),
        new Lsgan(),
        new Wgan(),
        new WganGp(),
        new Hinge(),
        new Cgan(),
        new CwganGp(),
        new Acgan(),
        new BigGan(),
        new InfoGan(),
        new BiGan(),
        new Ssgan(),
        new LossSensitive(),
    ];

    public static IEnumerable<string> Names => All.Select(v => v.Name);

    /// <summary>The variant called <paramref name="name"/>, or null.</summary>
    public static Variant? Find(string name) => All.FirstOrDefault(v => v.Name == name);

    /// <summary>The variant called <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public static Variant Get(string name) => Find(name)
        ?? throw new ArgumentException($"Unknown variant '{name}'. Valid variants: {string.Join(", ", Names)}.");
}
