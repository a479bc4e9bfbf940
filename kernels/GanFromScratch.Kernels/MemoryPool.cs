namespace GanFromScratch.Kernels;

/// <summary>The size classes of device memory pools.</summary>
public static class MemoryPool
{
    /// <summary>
    /// The block size that serves a request of <paramref name="length"/> floats: up to 1,024
    /// floats, the next multiple of 64; above, the next of four steps per power of two
    /// (2ᵏ, 1.25·2ᵏ, 1.5·2ᵏ, 1.75·2ᵏ). A block is at most 25% larger than asked, and requests of
    /// nearby sizes share blocks, so a pool holds few distinct sizes.
    /// </summary>
    public static int SizeClass(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= 1024) return Math.Max(64, (length + 63) / 64 * 64);
        int power = 1 << (31 - int.LeadingZeroCount(length));   // largest power of two ≤ length
        if (power == length) return length;
        int step = power / 4;
        long rounded = (length + (long)step - 1) / step * step;
        return rounded > int.MaxValue ? int.MaxValue : (int)rounded;
    }
}
