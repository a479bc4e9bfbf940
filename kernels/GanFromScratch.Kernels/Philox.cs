namespace GanFromScratch.Kernels;

/// <summary>
/// Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
/// a counter-based generator. Ten rounds of a multiply-xor bijection turn a 128-bit counter and
/// a 64-bit key into four random 32-bit words. Element i of a random tensor is a pure function
/// of (seed, offset + i), so a CPU thread and a GPU thread that compute element i agree, and no
/// state has to be shared between them.
/// </summary>
/// <remarks>Plain arithmetic on uints only, so the same code compiles for the GPU.</remarks>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>The four 32-bit outputs for counter (c0, c1, c2, c3) under key (k0, k1).</summary>
    public static void Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1,
        out uint r0, out uint r1, out uint r2, out uint r3)
    {
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0;
            uint hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            uint n0 = hi1 ^ c1 ^ k0;
            uint n2 = hi0 ^ c3 ^ k1;
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
            k0 += W0; k1 += W1;
        }
        r0 = c0; r1 = c1; r2 = c2; r3 = c3;
    }

    /// <summary>Converts 32 random bits to a float uniform on [0, 1) with 24 bits of precision.</summary>
    public static float ToUnit(uint bits) => (bits >> 8) * (1.0f / 16777216.0f);

    /// <summary>Element <paramref name="index"/> of a uniform stream on [low, high): the block of counter (index, 0), key seed.</summary>
    public static float Uniform(ulong seed, ulong index, float low, float high)
    {
        Block((uint)index, (uint)(index >> 32), 0, 0, (uint)seed, (uint)(seed >> 32), out uint r0, out _, out _, out _);
        return UniformOf(r0, low, high);
    }

    /// <summary>The uniform number on [low, high) of a block's first word.</summary>
    public static float UniformOf(uint r0, float low, float high) => low + (high - low) * ToUnit(r0);

    /// <summary>Element <paramref name="index"/> of a normal stream: Box–Muller on the first two words of the block.</summary>
    public static float Normal(ulong seed, ulong index, float mean, float std)
    {
        Block((uint)index, (uint)(index >> 32), 0, 0, (uint)seed, (uint)(seed >> 32), out uint r0, out uint r1, out _, out _);
        return NormalOf(r0, r1, mean, std);
    }

    /// <summary>
    /// Box–Muller on a block's first two words: the normal number √(−2 ln u1)·cos(2π u2), u1 moved
    /// into (0, 1] so that the logarithm is finite.
    /// </summary>
    public static float NormalOf(uint r0, uint r1, float mean, float std)
    {
        float u1 = 1.0f - ToUnit(r0);
        float u2 = ToUnit(r1);
        float radius = MathF.Sqrt(-2.0f * MathF.Log(u1));
        return mean + std * radius * MathF.Cos(2.0f * MathF.PI * u2);
    }
}
