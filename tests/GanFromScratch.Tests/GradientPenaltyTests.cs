using System.Text.Json;
using GanFromScratch.Engine;

namespace GanFromScratch.Tests;

/// <summary>
/// The WGAN-GP penalty end to end: P = λ·mean((‖∇ₓD(x̂)‖₂ − 1)²) for small MLP critics, and its
/// gradient with respect to every weight — a gradient of a gradient — against PyTorch's values
/// (tools/golden/gradient_penalty.py) and against finite differences.
/// </summary>
public class GradientPenaltyTests
{
    private sealed record Layer(float[] Weight, float[] Bias);
    private sealed record Case(string Name, int[] Widths, string[] Activations, float LeakySlope, float Lambda,
        Layer[] Layers, float[] Real, float[] Fake, float[] Alpha, float[] GradNorms, double Penalty, Layer[] Grads);
    private sealed record Golden(Case[] Cases);

    private static readonly Case[] Cases = JsonSerializer.Deserialize<Golden>(
        File.ReadAllText(GoldenFiles.PathOf("gradient_penalty.json")),
        new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!.Cases;

    public static TheoryData<string> CaseNames => new(Cases.Select(c => c.Name));

    /// <summary>D(x): Linear layers (x·Wᵀ + b) with the case's activations between them.</summary>
    private static Tensor Critic(Case c, Tensor[] parameters, Tensor x)
    {
        for (int i = 0; i < c.Layers.Length; i++)
        {
            x = Tensor.MatMulT(x, parameters[2 * i], false, true) + parameters[2 * i + 1];
            if (i < c.Activations.Length)
                x = c.Activations[i] switch
                {
                    "relu" => x.Relu(),
                    "leaky_relu" => x.LeakyRelu(c.LeakySlope),
                    "tanh" => x.Tanh(),
                    var other => throw new InvalidDataException($"Unknown activation {other}."),
                };
        }
        return x;
    }

    private static Tensor[] Parameters(Case c)
    {
        var result = new List<Tensor>();
        for (int i = 0; i < c.Layers.Length; i++)
        {
            result.Add(Tensor.FromArray(c.Layers[i].Weight, c.Widths[i + 1], c.Widths[i]).RequiresGrad_());
            result.Add(Tensor.FromArray(c.Layers[i].Bias, c.Widths[i + 1]).RequiresGrad_());
        }
        return [.. result];
    }

    /// <summary>The penalty, written as a WGAN-GP training step writes it.</summary>
    private static (Tensor Penalty, Tensor Norms) Penalty(Case c, Tensor[] parameters)
    {
        int batch = c.Alpha.Length, dim = c.Widths[0];
        var real = Tensor.FromArray(c.Real, batch, dim);
        var fake = Tensor.FromArray(c.Fake, batch, dim);
        var alpha = Tensor.FromArray(c.Alpha, batch, 1);
        var xHat = (alpha * real + (1f - alpha) * fake).RequiresGrad_();
        var scores = Critic(c, parameters, xHat);
        var gradX = Autograd.Grad([scores.Sum()], [xHat], createGraph: true)[0]!;
        var norms = gradX.Norm([1]);
        return (c.Lambda * (norms - 1f).Square().Mean(), norms);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Penalty_and_its_gradients_match_PyTorch(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var parameters = Parameters(c);
        var (penalty, norms) = Penalty(c, parameters);

        Assert.Equal(c.Penalty, penalty.Item(), 1e-3 * Math.Abs(c.Penalty));
        var n = norms.ToArray();
        for (int i = 0; i < n.Length; i++) Assert.Equal(c.GradNorms[i], n[i], 1e-4 * (1 + Math.Abs(c.GradNorms[i])));

        penalty.Backward();
        for (int i = 0; i < c.Layers.Length; i++)
        {
            AssertClose(c.Grads[i].Weight, parameters[2 * i].Grad, $"{name} layer {i} weight");
            AssertClose(c.Grads[i].Bias, parameters[2 * i + 1].Grad, $"{name} layer {i} bias");
        }
    }

    private static void AssertClose(float[] expected, Tensor? actual, string what)
    {
        // The last bias does not influence ∇ₓD: the engine leaves its gradient empty, PyTorch reports zeros.
        var values = actual?.ToArray() ?? new float[expected.Length];
        double scale = expected.Max(v => Math.Abs(v));
        for (int j = 0; j < expected.Length; j++)
            Assert.True(Math.Abs(expected[j] - values[j]) <= 1e-5 + 2e-4 * scale,
                $"{what}[{j}]: gfs {values[j]:G6}, PyTorch {expected[j]:G6}");
    }

    [Fact]
    public void Penalty_gradients_match_finite_differences_for_the_smooth_critic()
    {
        // tanh is smooth, so central differences are accurate for every weight.
        var c = Cases.Single(x => x.Name == "mlp_tanh");
        GradCheck.Check(ps => Penalty(c, ps).Penalty, Parameters(c));
    }

    [Fact]
    public void Biases_seen_only_through_activation_masks_are_reported_unused()
    {
        // ∇ₓD = W₁ᵀ·diag(σ₁′)·W₂ᵀ·diag(σ₂′)·W₃ᵀ: with (leaky) ReLU the biases only move the masks σ′,
        // which are constants, and the last bias does not appear at all; every weight does.
        var c = Cases.Single(x => x.Name == "mlp_leaky_relu");
        var parameters = Parameters(c);
        var grads = Autograd.Grad([Penalty(c, parameters).Penalty], parameters, allowUnused: true);
        for (int i = 0; i < parameters.Length; i++)
            if (i % 2 == 0) Assert.NotNull(grads[i]);
            else Assert.Null(grads[i]);
        Assert.Throws<InvalidOperationException>(() => Autograd.Grad([Penalty(c, parameters).Penalty], parameters));
    }
}
