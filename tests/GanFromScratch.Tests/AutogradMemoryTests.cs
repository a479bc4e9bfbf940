using GanFromScratch.Engine;

namespace GanFromScratch.Tests;

/// <summary>Runs after the parallel tests, alone: its tests read how much memory the process's CPU backend has handed out.</summary>
[CollectionDefinition("Alone", DisableParallelization = true)]
public class AloneCollection;

/// <summary>
/// Reverse mode frees each gradient it made once nothing needs it, and never one that is still
/// needed: a gradient passed on to several inputs, a wanted one, the caller's seed, a leaf's.
/// </summary>
[Collection("Alone")]
public class AutogradMemoryTests
{
    private const int N = 1000; // floats: 4,000 bytes a tensor

    [Fact]
    public void Backward_holds_a_few_gradients_at_a_time_not_one_for_every_operation()
    {
        var backend = Device.Default;
        var x = Tensor.Ones(N).RequiresGrad_();
        using (var step = TensorScope.Begin())
        {
            var h = x;
            for (int i = 0; i < 20; i++) h = h * 1.1f;
            var y = h.Sum();
            long before = backend.LiveBytes;
            backend.ResetPeak();
            y.Backward();
            long peak = backend.PeakLiveBytes - before, after = backend.LiveBytes - before;
            // The 20 rules each make a 4,000-byte gradient from the one before; at most two of them
            // (and the scalar seed's block) are live at once, and only the leaf's is left.
            Assert.True(peak <= 3 * 4 * N, $"{peak} bytes live at the peak of the backward pass");
            Assert.True(after <= 4 * N + 256, $"{after} bytes still live after it");
            float expected = 1f;
            for (int i = 0; i < 20; i++) expected *= 1.1f;
            Assert.All(x.Grad!.ToArray(), g => Assert.Equal(expected, g));
        }
    }

    [Fact]
    public void A_gradient_passed_on_to_several_inputs_lives_until_each_has_used_it()
    {
        var x = Tensor.FromArray([1f, 2f, 3f], 3).RequiresGrad_();
        var w = Tensor.FromArray([4f, 5f, 6f], 3).RequiresGrad_();
        using var step = TensorScope.Begin();
        // A sum hands its gradient on as it is: a, b, x and w see the same tensor.
        var a = x * 2f;
        var b = x * 3f;
        var y = ((a + b) + (x + w)).Square();
        var seed = Tensor.FromArray([1f, 10f, 100f], 3);
        y.Backward(seed);
        // y = (6x + w)², so dy/dx = 12·s·(6x + w) and dy/dw = 2·s·(6x + w).
        Assert.Equal(new[] { 120f, 2040f, 28800f }, x.Grad!.ToArray());
        Assert.Equal(new[] { 20f, 340f, 4800f }, w.Grad!.ToArray());
        Assert.Equal(new[] { 1f, 10f, 100f }, seed.ToArray()); // the caller's seed is left alone
        Assert.False(seed.Buffer.IsDisposed);

        // A seed whose output gets a second contribution is summed into a new tensor, not in place.
        var v = Tensor.FromArray([1f, 2f], 2).RequiresGrad_();
        var u = v * 2f;
        var (s1, s2) = (Tensor.FromArray([1f, 1f], 2), Tensor.FromArray([1f, 1f], 2));
        var dv = Autograd.Grad([u, u * 3f], [v], [s1, s2])[0]!;
        Assert.Equal(new[] { 8f, 8f }, dv.ToArray()); // (s1 + 3·s2)·2
        Assert.Equal(new[] { 1f, 1f }, s1.ToArray());
        Assert.Equal(new[] { 1f, 1f }, s2.ToArray());
    }

    [Fact]
    public void Wanted_gradients_of_intermediate_tensors_are_returned_whole()
    {
        var x = Tensor.FromArray([1f, 2f], 2).RequiresGrad_();
        using var step = TensorScope.Begin();
        var h = x * 3f;
        var k = h + h;                   // h's gradient is a sum of two uses
        var y = (k * k).Sum();           // y = 36x², dy/dk = 2k, dy/dh = 4k = 24x
        var grads = Autograd.Grad([y], [h, k, x]);
        Assert.Equal(new[] { 24f, 48f }, grads[0]!.ToArray());
        Assert.Equal(new[] { 12f, 24f }, grads[1]!.ToArray());
        Assert.Equal(new[] { 72f, 144f }, grads[2]!.ToArray());
        Assert.All(grads, g => Assert.False(g!.Buffer.IsDisposed));
    }

    [Fact]
    public void A_sum_of_gradients_is_added_to_in_place_only_where_nothing_else_shares_it()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 6).RequiresGrad_();
        using var step = TensorScope.Begin();
        var h = x * 2f;
        var k = h.Reshape(2, 3);              // k's rule hands h a view of k's gradient
        var y = (k * k).Sum() + (h * 3f).Sum() + (h * h * h).Sum();
        // dy/dh = 2h + 3 + 3h², dy/dx = 2·dy/dh, each h's three contributions summed in turn.
        var grads = Autograd.Grad([y], [x, h]);
        var expectedH = new float[6];
        var expectedX = new float[6];
        for (int i = 0; i < 6; i++)
        {
            float hv = 2f * (i + 1);
            expectedH[i] = 2f * hv + 3f + 3f * hv * hv;
            expectedX[i] = 2f * expectedH[i];
        }
        Assert.Equal(expectedH, grads[1]!.ToArray());
        Assert.Equal(expectedX, grads[0]!.ToArray());

        // A wanted gradient that a view hands on is not added to through that view, whichever
        // contribution arrives first.
        var w1 = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var w2 = Tensor.FromArray([10f, 20f, 30f, 40f, 50f, 60f], 6);
        foreach (bool viewFirst in new[] { true, false })
        {
            var a = x * 2f;
            var b = a.Reshape(2, 3);
            var z = viewFirst ? (b * w1).Sum() + (a * w2).Sum() : (a * w2).Sum() + (b * w1).Sum();
            var both = Autograd.Grad([z], [b, x]);
            Assert.Equal(w1.ToArray(), both[0]!.ToArray());
            Assert.Equal(w1.ToArray().Zip(w2.ToArray(), (u, v) => 2f * (u + v)), both[1]!.ToArray());
        }

        // Three uses of a weight: the second and third gradients are added to the first in place, and
        // the sum has the bits of the sums written out. At the peak three gradients of w's size are
        // live — the sum so far, a product's, and the gradient of w·p it was made from — where sums
        // into new tensors would make it four.
        var random = new Random(5);
        float[] Values() => [.. Enumerable.Range(0, N).Select(_ => (float)random.NextDouble())];
        var w = Tensor.FromArray(Values(), N).RequiresGrad_();
        var (p, q, r) = (Tensor.FromArray(Values(), N), Tensor.FromArray(Values(), N), Tensor.FromArray(Values(), N));
        var loss = (w * p).Sum() + (w * q).Sum() + (w * r).Sum();
        var backend = Device.Default;
        long before = backend.LiveBytes;
        backend.ResetPeak();
        loss.Backward();
        long peak = backend.PeakLiveBytes - before;
        Assert.True(peak <= 3 * 4 * N + 64, $"{peak} bytes live at the peak of the backward pass");
        // With a graph of the gradients recorded, every sum is a new tensor: the same bits.
        var written = Autograd.Grad([loss], [w], createGraph: true)[0]!;
        Assert.Equal(written.ToArray(), w.Grad!.ToArray());
    }
}
