using GanFromScratch.Engine;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Tests;

/// <summary>
/// Random graphs of small tensors: the gradients a propagation frees and sums in place as it goes
/// (no graph of the gradients) equal, to the bit, those of a propagation that keeps every gradient
/// (<c>createGraph</c>); a second propagation leaves the first one's results as they were, and the
/// caller's seeds are never touched. The graphs mix what makes the bookkeeping hard: rules that hand
/// on their own gradient or a view of it, inputs used twice, reshapes, broadcasts, wanted
/// intermediate tensors.
/// </summary>
public class AutogradRandomGraphTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    [Theory]
    [InlineData(false, 300)]
    [InlineData(true, 60)]
    public void Freeing_gradients_as_they_go_changes_no_bit(bool emulated, int graphs)
    {
        using var device = Device.Use(emulated ? fixture.Backend : CpuBackend.Instance);
        for (int seed = 0; seed < graphs; seed++)
        {
            using var scope = TensorScope.Begin();
            var random = new Random(seed);
            float Value() => (float)(random.NextDouble() * 2 - 1);
            Tensor Leaf(params int[] shape) =>
                Tensor.FromArray([.. Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => Value())], shape).RequiresGrad_();
            var (row, square, bias) = (Leaf(1, 3), Leaf(3, 3), Leaf(3));
            var made = new List<Tensor> { Leaf(2, 3), Leaf(2, 3) };
            Tensor Pick() => made[random.Next(made.Count)];
            for (int s = 4 + random.Next(14); s > 0; s--)
            {
                var (a, b) = (Pick(), Pick());
                made.Add(random.Next(16) switch
                {
                    0 => a + b,
                    1 => a - b,
                    2 => a * b,
                    3 => a + a,
                    4 => a.Reshape(3, 2).Reshape(2, 3),
                    5 => a.Sum([1], keepDim: true).Expand(2, 3),
                    6 => a + a.Sum([0], keepDim: true),
                    7 => a * row,
                    8 => Tensor.MatMul(a, square),
                    9 => Tensor.Linear(a, square, bias),
                    10 => a.Narrow(1, 1, 2).Pad(1, 1, 0),
                    11 => Tensor.Concat([a, b], 0).Narrow(0, random.Next(3), 2),
                    12 => a.Relu() + b.Tanh(),
                    13 => a.Transpose(0, 1).Transpose(0, 1),
                    14 => a.Square() - b,
                    _ => a.LeakyRelu(0.2f) + row,
                });
            }
            var outputs = new List<Tensor> { made[^1].Square().Sum() };
            if (random.Next(2) == 0) outputs.Add((Pick() * made[^1]).Sum());
            var wanted = made.Concat([row, square, bias]).Where(_ => random.Next(3) == 0).Distinct().ToList();
            if (wanted.Count == 0) wanted.Add(made[0]);
            Tensor?[]? seeds = random.Next(2) == 0 ? [.. outputs.Select(_ => Tensor.Scalar(Value() + 2f))] : null;
            var seedValues = seeds?.Select(t => t!.Item()).ToArray();

            var kept = Bits(Autograd.Grad([.. outputs], [.. wanted], seeds, createGraph: true, allowUnused: true));
            var freed = Autograd.Grad([.. outputs], [.. wanted], seeds, allowUnused: true);
            var freedBits = Bits(freed);
            var again = Bits(Autograd.Grad([.. outputs], [.. wanted], seeds, allowUnused: true));
            for (int i = 0; i < wanted.Count; i++)
            {
                Assert.True(Same(kept[i], freedBits[i]), $"graph {seed}: wanted gradient {i} differs from the kept propagation's");
                Assert.True(Same(freedBits[i], again[i]), $"graph {seed}: wanted gradient {i} differs between two propagations");
                Assert.True(Same(freedBits[i], Bits(freed)[i]), $"graph {seed}: wanted gradient {i} changed after a later propagation");
            }
            if (seeds is not null) Assert.Equal(seedValues, seeds.Select(t => t!.Item()));
        }
    }

    private static int[]?[] Bits(Tensor?[] grads) =>
        [.. grads.Select(g => g?.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray())];

    private static bool Same(int[]? a, int[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);
}
