using GanFromScratch.Engine;

namespace GanFromScratch.Tests;

/// <summary>
/// Finite-difference checks of analytic derivatives, as PyTorch's gradcheck and gradgradcheck.
/// The engine computes in float32, so differences use a step of 1e-2 (the truncation error of
/// central differences is O(h²), the rounding error O(ε·|f|/h)) and tolerances of a few 1e-3.
/// </summary>
public static class GradCheck
{
    public const float Step = 1e-2f;
    public const double AbsTol = 5e-3, RelTol = 1e-2;

    /// <summary>
    /// Checks ∂L/∂xᵢ for L = Σ f(x) ⊙ w, with fixed random weights w (so that every output element
    /// matters with a different weight), against central differences of L.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) =>
        CheckScalar(Weighted(f, inputs), inputs, "gradcheck");

    /// <summary>
    /// Checks second derivatives: the gradient of M = Σᵢ Σ (∂L/∂xᵢ) ⊙ uᵢ, where ∂L/∂xᵢ comes from
    /// the backward pass recorded with createGraph, against central differences of M (which
    /// itself uses only first derivatives).
    /// </summary>
    public static void CheckSecondOrder(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var loss = Weighted(f, inputs);
        var gen = new RandomStream(7);
        var u = inputs.Select(x => Tensor.Randn(x.Shape, gen)).ToArray();
        Tensor M(Tensor[] xs)
        {
            var grads = Autograd.Grad([loss(xs)], xs, createGraph: true, allowUnused: true);
            Tensor? total = null;
            for (int i = 0; i < xs.Length; i++)
            {
                if (grads[i] is null) continue;
                var term = (grads[i]! * u[i]).Sum();
                total = total is null ? term : total + term;
            }
            return total ?? throw new InvalidOperationException("No input has a gradient.");
        }
        // A second derivative that is zero everywhere (a linear op) gives an M that does not depend on x.
        CheckScalar(M, inputs, "gradgradcheck", allowConstant: true);
    }

    private static Func<Tensor[], Tensor> Weighted(Func<Tensor[], Tensor> f, Tensor[] inputs)
    {
        var sample = f(Leaves(inputs, requiresGrad: false));
        var w = Tensor.Randn(sample.Shape, new RandomStream(3));
        return xs => (f(xs) * w).Sum();
    }

    private static Tensor[] Leaves(Tensor[] inputs, bool requiresGrad) =>
        inputs.Select(x => Tensor.FromArray(x.ToArray(), x.Shape).RequiresGrad_(requiresGrad)).ToArray();

    private static void CheckScalar(Func<Tensor[], Tensor> scalar, Tensor[] inputs, string what, bool allowConstant = false)
    {
        var xs = Leaves(inputs, requiresGrad: true);
        var value = scalar(xs);
        Assert.Equal(1, value.Size);
        Tensor?[] analytic;
        if (!value.RequiresGrad)
        {
            Assert.True(allowConstant, $"{what}: the output does not depend on the inputs.");
            analytic = new Tensor?[xs.Length];
        }
        else analytic = Autograd.Grad([value], xs, allowUnused: true);

        for (int i = 0; i < inputs.Length; i++)
        {
            var data = inputs[i].ToArray();
            var grad = analytic[i]?.ToArray() ?? new float[data.Length];
            for (int j = 0; j < data.Length; j++)
            {
                double numeric = (Evaluate(scalar, inputs, i, j, data[j] + Step) - Evaluate(scalar, inputs, i, j, data[j] - Step)) / (2 * Step);
                double diff = Math.Abs(grad[j] - numeric);
                Assert.True(diff <= AbsTol + RelTol * Math.Abs(numeric),
                    $"{what}: input {i} element {j}: analytic {grad[j]:G6}, numeric {numeric:G6} (difference {diff:G3}).");
            }
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> scalar, Tensor[] inputs, int which, int element, float value)
    {
        var xs = Leaves(inputs, requiresGrad: true);
        var data = xs[which].ToArray();
        data[element] = value;
        xs[which] = Tensor.FromArray(data, xs[which].Shape).RequiresGrad_();
        return scalar(xs).Item();
    }
}
