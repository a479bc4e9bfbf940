namespace GanFromScratch.Engine;

/// <summary>
/// A seeded source of random numbers — PyTorch's <c>torch.Generator</c>, renamed here because
/// "generator" is the GAN's player. Numbers come from Philox 4x32-10 keyed by <see cref="Seed"/>;
/// the stream only keeps an offset into it, so the same seed gives the same numbers on every
/// backend, and saving (seed, offset) saves the whole state.
/// </summary>
public sealed class RandomStream(ulong seed, ulong offset = 0)
{
    public ulong Seed { get; } = seed;

    /// <summary>How many numbers have been drawn so far.</summary>
    public ulong Offset { get; set; } = offset;

    /// <summary>Reserves <paramref name="count"/> numbers and returns the offset of the first.</summary>
    public ulong Advance(int count)
    {
        ulong start = Offset;
        Offset += (ulong)count;
        return start;
    }
}
