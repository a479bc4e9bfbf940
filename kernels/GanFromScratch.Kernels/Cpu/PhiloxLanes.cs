using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GanFromScratch.Kernels.Cpu;

/// <summary>
/// <see cref="Philox"/> for eight consecutive elements at once with AVX2: the same ten rounds on
/// eight counters in the lanes of one vector, so the words — and the numbers made from them by
/// <see cref="Philox.UniformOf"/> and <see cref="Philox.NormalOf"/>, still one at a time — are those
/// of the scalar code to the bit. One block costs ten dependent multiply-xor rounds; one at a time
/// they leave the processor waiting on each multiply (a normal number took ~36 ns here, 20 of them
/// the block), eight at a time they do not.
/// </summary>
internal static unsafe class PhiloxLanes
{
    /// <summary>y[i − start] for i in [start, end): element offset + i of the stream (uniform on [a, b), or normal with mean a and deviation b).</summary>
    public static void Fill(float* y, int start, int end, RandomDistribution distribution, ulong seed, ulong offset, float a, float b)
    {
        int i = start;
        if (Avx2.IsSupported)
        {
            uint* r0 = stackalloc uint[8], r1 = stackalloc uint[8];
            for (; i <= end - 8; i += 8)
            {
                Blocks(offset + (ulong)i, seed, r0, r1);
                if (distribution == RandomDistribution.Uniform)
                    for (int lane = 0; lane < 8; lane++) y[i - start + lane] = Philox.UniformOf(r0[lane], a, b);
                else
                    for (int lane = 0; lane < 8; lane++) y[i - start + lane] = Philox.NormalOf(r0[lane], r1[lane], a, b);
            }
        }
        for (; i < end; i++)
            y[i - start] = distribution == RandomDistribution.Uniform
                ? Philox.Uniform(seed, offset + (ulong)i, a, b)
                : Philox.Normal(seed, offset + (ulong)i, a, b);
    }

    /// <summary>The first two words of the blocks of counters (index + lane, 0) under key seed, lane 0 … 7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocks(ulong index, ulong seed, uint* r0, uint* r1)
    {
        // Counter words: the low and high halves of each lane's 64-bit index (the high half may step within the eight).
        var c0 = Vector256.Create((uint)index, (uint)(index + 1), (uint)(index + 2), (uint)(index + 3),
            (uint)(index + 4), (uint)(index + 5), (uint)(index + 6), (uint)(index + 7));
        var c1 = Vector256.Create((uint)(index >> 32), (uint)((index + 1) >> 32), (uint)((index + 2) >> 32), (uint)((index + 3) >> 32),
            (uint)((index + 4) >> 32), (uint)((index + 5) >> 32), (uint)((index + 6) >> 32), (uint)((index + 7) >> 32));
        var c2 = Vector256<uint>.Zero;
        var c3 = Vector256<uint>.Zero;
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
        var m0 = Vector256.Create(0xD2511F53u);
        var m1 = Vector256.Create(0xCD9E8D57u);
        for (int round = 0; round < 10; round++)
        {
            var (hi0, lo0) = MultiplyWide(c0, m0);
            var (hi1, lo1) = MultiplyWide(c2, m1);
            var n0 = hi1 ^ c1 ^ Vector256.Create(k0);
            var n2 = hi0 ^ c3 ^ Vector256.Create(k1);
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
            k0 += 0x9E3779B9; k1 += 0xBB67AE85;
        }
        c0.Store(r0);
        c1.Store(r1);
    }

    /// <summary>The high and low 32 bits of x·m in each lane: vpmuludq multiplies the even lanes, then the odd lanes moved down.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<uint> High, Vector256<uint> Low) MultiplyWide(Vector256<uint> x, Vector256<uint> m)
    {
        var even = Avx2.Multiply(x, m).AsUInt32();                                                   // lanes 2j: low, 2j + 1: high of x[2j]·m
        var odd = Avx2.Multiply(Avx2.ShiftRightLogical(x.AsUInt64(), 32).AsUInt32(), m).AsUInt32();  // the same for x[2j + 1]
        var high = Avx2.Blend(Avx2.ShiftRightLogical(even.AsUInt64(), 32).AsUInt32(), odd, 0b1010_1010);
        var low = Avx2.Blend(even, Avx2.ShiftLeftLogical(odd.AsUInt64(), 32).AsUInt32(), 0b1010_1010);
        return (high, low);
    }
}
