using System.Globalization;
using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Kernels;
using GanFromScratch.Kernels.Cpu;

namespace GanFromScratch.Tests;

/// <summary>
/// NaN, ±∞ and −0 through the ops, forward and backward, against PyTorch (Golden/special_values.json,
/// from tools/golden/special_values.py), on the CPU and on the ILGPU emulator (the CUDA kernels'
/// code). What matters most: a NaN reaches the output of ReLU, of the fused linear + activation,
/// of a clamp and of a max — a network whose weights went NaN cannot look finite.
/// </summary>
public class SpecialValueTests(IlgpuFixture fixture) : IClassFixture<IlgpuFixture>
{
    private static readonly JsonElement[] Golden =
        GoldenFiles.Cases("special_values.json");

    private static readonly Dictionary<string, Func<Tensor, Tensor>> Unary = new()
    {
        ["relu"] = x => x.Relu(),
        ["leaky_relu_0.2"] = x => x.LeakyRelu(0.2f),
        ["clamp_-0.5_0.5"] = x => x.Clamp(-0.5f, 0.5f),
        ["abs"] = x => x.Abs(),
        ["neg"] = x => -x,
        ["square"] = x => x.Square(),
        ["exp"] = x => x.Exp(),
        ["log"] = x => x.Log(),
        ["sqrt"] = x => x.Sqrt(),
        ["tanh"] = x => x.Tanh(),
        ["sigmoid"] = x => x.Sigmoid(),
        ["softplus"] = x => x.Softplus(),
        ["pow_-0.5"] = x => x.Pow(-0.5f),
        ["pow_2"] = x => x.Pow(2f),
        ["reciprocal"] = x => 1f / x,
        ["div_by_self"] = x => x / x,
    };

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var c in Golden)
            foreach (bool emulated in new[] { false, true }) data.Add(c.GetProperty("name").GetString()!, emulated);
        return data;
    }

    private static float Parse(string s) => s switch
    {
        "nan" => float.NaN,
        "inf" => float.PositiveInfinity,
        "-inf" => float.NegativeInfinity,
        _ => float.Parse(s, CultureInfo.InvariantCulture),
    };

    private static float[] Values(JsonElement c, string key) => c.GetProperty(key).EnumerateArray().Select(v => Parse(v.GetString()!)).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Special_values_follow_pytorch(string name, bool emulated)
    {
        var c = Golden.Single(g => g.GetProperty("name").GetString() == name);
        using var _ = Device.Use(emulated ? fixture.Backend : CpuBackend.Instance);
        var input = Values(c, "input");
        switch (name)
        {
            case "amax" or "sum":
            {
                var x = Tensor.FromArray(input, 4, 3);
                // The sign of a zero maximum is not compared: of −0 and +0, .NET's Max (IEEE 754-2019's
                // maximum) gives +0 and PyTorch's CPU kernel −0. NaN and infinities must match.
                Same("output", Values(c, "output"), (name == "amax" ? x.Max(1) : x.Sum(1)).ToArray(), signOfZero: false);
                break;
            }
            case "logsumexp" or "log_softmax" or "softmax":
            {
                var x = Tensor.FromArray(input, 5, 3).RequiresGrad_();
                var y = name switch { "logsumexp" => x.LogSumExp(1), "log_softmax" => x.LogSoftmax(1), _ => x.Softmax(1) };
                var k = Tensor.FromArray([.. Enumerable.Range(1, y.Size).Select(i => (float)i)], y.Shape);
                Same("output", Values(c, "output"), y.ToArray());
                // Finite gradients within 1e-6 absolute (they are up to ~6): softmax's backward sums products that cancel (seen: 7e-7).
                Same("gradient", Values(c, "grad"), Autograd.Grad((y * k).Sum(), x).ToArray(), signOfZero: false, absolute: 1e-6f);
                break;
            }
            case "linear_relu" or "linear_leaky_relu_0.2":
            {
                var x = Tensor.FromArray(input, 3, 2);
                var w = Tensor.FromArray(Values(c, "weight"), 2, 2);
                var b = Tensor.FromArray(Values(c, "bias"), 2);
                var activation = name == "linear_relu" ? GemmActivation.Relu : GemmActivation.LeakyRelu;
                // The fused kernel (the GEMM's epilogue) and the separate ops must both give PyTorch's answer.
                Same("fused", Values(c, "output"), Tensor.Linear(x, w, b, activation, 0.2f).ToArray());
                var z = Tensor.Linear(x, w, b);
                Same("unfused", Values(c, "output"), (activation == GemmActivation.Relu ? z.Relu() : z.LeakyRelu(0.2f)).ToArray());
                break;
            }
            default:
            {
                Assert.True(Unary.ContainsKey(name), $"no C# op for golden case {name}");
                var x = Tensor.FromArray(input, input.Length).RequiresGrad_();
                var y = Unary[name](x);
                Same("output", Values(c, "output"), y.ToArray());
                Same("gradient", Values(c, "grad"), Autograd.Grad(y.Sum(), x).ToArray());
                break;
            }
        }
    }

    /// <summary>NaN where PyTorch has NaN, the same infinities and the same sign of zero; finite values within 1e-6 relative (plus <paramref name="absolute"/>).</summary>
    private static void Same(string what, float[] expected, float[] actual, bool signOfZero = true, float absolute = 0f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool ok = float.IsNaN(e) ? float.IsNaN(a)
                : float.IsInfinity(e) || e == 0 ? e.Equals(a) && (!signOfZero || float.IsNegative(e) == float.IsNegative(a))
                : Math.Abs(e - a) <= 1e-6f * Math.Abs(e) + absolute;
            Assert.True(ok, $"{what}, element {i}: PyTorch {Show(e)}, gfs {Show(a)}");
        }
    }

    private static string Show(float v) => v == 0 && float.IsNegative(v) ? "-0" : v.ToString("R", CultureInfo.InvariantCulture);
}
