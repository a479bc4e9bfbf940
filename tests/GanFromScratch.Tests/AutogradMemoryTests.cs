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
        // dy/dx = 2·s·(6x + w)·(2 + 3 + 1) / … : y = (6x + w)², so dy/dx = 12·s·(6x + w), dy/dw = 2·s·(6x + w).
        Assert.Equal(new[] { 120f, 2040f, 28800f }, x.Grad!.ToArray());
        Assert.Equal(new[] { 20f, 340f, 4800f }, w.Grad!.ToArray());
        Assert.Equal(new[] { 1f, 10f, 100f }, seed.ToArray()); // the caller's seed is left alone
        Assert.False(seed.Buffer.IsDisposed);
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

        // Three uses of a weight, summed in place, give the bits of the sums written out.
        var w = Tensor.FromArray([0.1f, 0.2f, 0.3f], 3).RequiresGrad_();
        var (p, q, r) = (Tensor.FromArray([1.1f, 2.3f, 3.7f], 3), Tensor.FromArray([0.7f, 1.9f, 5.3f], 3), Tensor.FromArray([3.3f, 0.9f, 2.1f], 3));
        ((w * p).Sum() + (w * q).Sum() + (w * r).Sum()).Backward();
        var (pv, qv, rv) = (p.ToArray(), q.ToArray(), r.ToArray());
        var wGrad = w.Grad!.ToArray();
        for (int i = 0; i < 3; i++)
        {
            float a = rv[i], b = qv[i], c = pv[i];   // the last use's gradient arrives first
            Assert.Equal(a + b + c, wGrad[i]);
        }
    }
}
