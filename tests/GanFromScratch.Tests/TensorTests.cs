using GanFromScratch.Engine;

namespace GanFromScratch.Tests;

/// <summary>Creation, forward values, broadcasting, autograd bookkeeping and the error messages.</summary>
public class TensorTests
{
    [Fact]
    public void Creation_functions_fill_as_asked()
    {
        Assert.Equal(new float[6], Tensor.Zeros(2, 3).ToArray());
        Assert.Equal(Enumerable.Repeat(1f, 4), Tensor.Ones(4).ToArray());
        Assert.Equal(Enumerable.Repeat(2.5f, 3), Tensor.Full([3], 2.5f).ToArray());
        Assert.Equal(new[] { 0f, 1, 2, 3 }, Tensor.Arange(4).ToArray());
        Assert.Equal(new[] { 1f, 1.5f, 2f, 2.5f }, Tensor.Arange(1f, 3f, 0.5f).ToArray());
        Assert.Equal(7f, Tensor.Scalar(7f).Item());
        Assert.Equal([2, 3], Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3).Shape);
    }

    [Fact]
    public void Same_seed_gives_the_same_numbers_and_the_generator_moves_on()
    {
        var g1 = new RandomStream(5);
        var g2 = new RandomStream(5);
        var a = Tensor.Randn([100], g1).ToArray();
        Assert.Equal(a, Tensor.Randn([100], g2).ToArray());
        Assert.Equal(100UL, g1.Offset);
        Assert.NotEqual(a, Tensor.Randn([100], g1).ToArray());
        Assert.NotEqual(a, Tensor.Randn([100], new RandomStream(6)).ToArray());
        Assert.All(Tensor.Rand([1000], g1, 2f, 3f).ToArray(), v => Assert.InRange(v, 2f, 3f));
    }

    [Fact]
    public void Broadcasting_follows_numpy()
    {
        var a = Tensor.FromArray([1, 2, 3], 3, 1);
        var b = Tensor.FromArray([10, 20], 2);
        var sum = a + b;
        Assert.Equal([3, 2], sum.Shape);
        Assert.Equal(new float[] { 11, 21, 12, 22, 13, 23 }, sum.ToArray());
        Assert.Equal(new float[] { -9, -19, -8, -18, -7, -17 }, (a - b).ToArray());
        Assert.Equal(new float[] { 2, 4, 6 }, (a * Tensor.Scalar(2f)).ToArray());
    }

    [Fact]
    public void Forward_values_of_reductions_and_softmax()
    {
        var x = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(new float[] { 5, 7, 9 }, x.Sum(0).ToArray());
        Assert.Equal(new float[] { 6, 15 }, x.Sum(1).ToArray());
        Assert.Equal([2, 1], x.Sum(1, keepDim: true).Shape);
        Assert.Equal(21f, x.Sum().Item());
        Assert.Equal(3.5f, x.Mean().Item());
        Assert.Equal(new float[] { 3, 6 }, x.Max(1).ToArray());
        Assert.Equal(MathF.Sqrt(91), x.Norm().Item(), 5);
        var softmax = x.Softmax(1).ToArray();
        Assert.Equal(1f, softmax[0] + softmax[1] + softmax[2], 5);
        Assert.Equal(MathF.Exp(1) / (MathF.Exp(1) + MathF.Exp(2) + MathF.Exp(3)), softmax[0], 5);
        Assert.Equal(MathF.Log(softmax[4]), x.LogSoftmax(1).ToArray()[4], 5);
        var logits = Tensor.FromArray([2, 0, 0, 0, 3, 0], 2, 3);
        double expected = -(Math.Log(Math.Exp(2) / (Math.Exp(2) + 2)) + Math.Log(Math.Exp(3) / (Math.Exp(3) + 2))) / 2;
        Assert.Equal(expected, Tensor.CrossEntropy(logits, [0, 1]).Item(), 5);
    }

    /// <summary>Axes of extent 1 are not reduced by a kernel: the mean of a [5, 1] column over both axes is one reduction.</summary>
    [Fact]
    public void Reductions_launch_no_kernel_for_axes_of_extent_one()
    {
        var counter = new Kernels.KernelCounter(Device.Default);
        using (Device.Use(counter))
        {
            var x = Tensor.FromArray([1, 2, 3, 4, 6], 5, 1);
            counter.Reset();
            var mean = x.Mean();
            var columnMax = x.Max([1]);
            Assert.Equal(1, counter.Counts["reduce"]);
            Assert.Equal([3.2f], mean.ToArray());
            Assert.Equal([1, 2, 3, 4, 6f], columnMax.ToArray());
            Assert.Equal([5], columnMax.Shape);
        }
    }

    [Fact]
    public void Layout_ops_move_the_right_elements()
    {
        var x = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, x.T.ToArray());
        Assert.Equal(new float[] { 2, 3, 5, 6 }, x.Narrow(1, 1, 2).ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6 }, Tensor.Concat([x, x], 0).ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6 }, Tensor.Concat([x, x], 1).ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 1, 2, 3, 4, 5, 6 }, x.Pad(0, 1, 0).ToArray());
        Assert.Equal([3, 2], x.Reshape(-1, 2).Shape);
        Assert.Equal([2, 3], Tensor.Zeros(2, 1, 3).Flatten().Shape);
        var mask = Tensor.FromArray([1, 0, 1], 3);
        Assert.Equal(new float[] { 1, 0, 3, 4, 0, 6 }, Tensor.Where(mask, x, Tensor.Scalar(0f)).ToArray());
        Assert.Equal(new float[] { 22, 28, 49, 64 }, Tensor.MatMul(x, Tensor.FromArray([1, 2, 3, 4, 5, 6], 3, 2)).ToArray());
    }

    [Fact]
    public void Backward_accumulates_into_leaves_and_uses_each_path()
    {
        var x = Tensor.FromArray([2f, 3f], 2).RequiresGrad_();
        var y = (x * x + x).Sum(); // dy/dx = 2x + 1
        y.Backward();
        Assert.Equal(new float[] { 5, 7 }, x.Grad!.ToArray());
        (x * 3f).Sum().Backward(); // accumulates: + 3
        Assert.Equal(new float[] { 8, 10 }, x.Grad!.ToArray());
        Assert.True(x.IsLeaf);
        Assert.False(y.IsLeaf);
        Assert.Equal("sum", y.GradFn!.Name);
    }

    [Fact]
    public void NoGrad_and_Detach_record_nothing()
    {
        var x = Tensor.Ones(3).RequiresGrad_();
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsEnabled);
            var inside = x * 2f;
            Assert.False(inside.RequiresGrad);
            Assert.Null(inside.GradFn);
            using (Autograd.EnableGrad()) Assert.True((x * 2f).RequiresGrad);
        }
        Assert.True(Autograd.IsEnabled);
        var detached = (x * 2f).Detach();
        Assert.False(detached.RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => (detached * x).Detach().Backward());
    }

    [Fact]
    public void Grad_with_an_output_gradient_weights_the_outputs()
    {
        var x = Tensor.FromArray([1f, 2f], 2).RequiresGrad_();
        var y = x.Square();
        var g = Autograd.Grad([y], [x], [Tensor.FromArray([1f, 10f], 2)])[0]!;
        Assert.Equal(new float[] { 2, 40 }, g.ToArray());
    }

    [Fact]
    public void Mismatched_shapes_name_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4]", e.Message);
        var m = Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("[2, 3]", m.Message);
        Assert.Contains("[4, 5]", m.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(4, 2));
        Assert.Throws<ArgumentException>(() => Tensor.Concat([Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Sum(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Narrow(1, 2, 2));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray([1, 2, 3], 2, 2));
    }

    [Fact]
    public void Backward_of_a_non_scalar_needs_a_gradient()
    {
        var x = Tensor.Ones(3).RequiresGrad_();
        var e = Assert.Throws<InvalidOperationException>(() => (x * 2f).Backward());
        Assert.Contains("non-scalar", e.Message);
        Assert.Contains("[3]", e.Message);
        var wrong = Assert.Throws<ArgumentException>(() => (x * 2f).Backward(Tensor.Ones(4)));
        Assert.Contains("[4]", wrong.Message);
    }

    [Fact]
    public void An_input_not_in_the_graph_is_an_error_unless_allowed()
    {
        var x = Tensor.Ones(3).RequiresGrad_();
        var unrelated = Tensor.Ones(3).RequiresGrad_();
        var y = (x * 2f).Sum();
        var e = Assert.Throws<InvalidOperationException>(() => Autograd.Grad([y], [unrelated]));
        Assert.Contains("not in the graph", e.Message);
        Assert.Null(Autograd.Grad([y], [x, unrelated], allowUnused: true)[1]);
    }

    [Fact]
    public void Gradients_can_be_taken_with_respect_to_intermediate_tensors()
    {
        var x = Tensor.FromArray([1f, 2f], 2).RequiresGrad_();
        var h = x * 3f;
        var y = h.Square().Sum();
        Assert.Equal(new float[] { 6, 12 }, Autograd.Grad(y, h).ToArray());
    }

    [Fact]
    public void Disposed_storage_is_reused_and_a_disposed_tensor_refuses_use()
    {
        var a = Tensor.Zeros(1234);
        var buffer = a.Buffer;
        var view = a.Reshape(2, 617);
        a.Dispose();
        Assert.False(buffer.IsDisposed); // the view still holds it
        view.Dispose();
        Assert.True(buffer.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => a.ToArray());
    }

    [Fact]
    public void A_kept_tensor_moves_to_the_enclosing_scope()
    {
        Tensor kept, dropped, survivor;
        using (var outer = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
            {
                kept = inner.Keep(Tensor.Ones(2));
                dropped = Tensor.Ones(2);
            }
            Assert.Throws<ObjectDisposedException>(() => dropped.ToArray());
            Assert.Equal([1f, 1f], kept.ToArray());          // survived the inner scope
            survivor = outer.Keep(Tensor.Zeros(1));          // the outermost scope hands it to the caller
        }
        Assert.Throws<ObjectDisposedException>(() => kept.ToArray()); // the outer scope owned it
        Assert.Equal([0f], survivor.ToArray());
        survivor.Dispose();
    }

    [Fact]
    public void Items_reads_several_scalars_at_once()
    {
        var a = Tensor.Scalar(1.5f);
        var b = Tensor.FromArray([-2f], 1, 1);
        Assert.Equal([1.5f, -2f, 1.5f], Tensor.Items(a, b, a));
        Assert.Throws<InvalidOperationException>(() => Tensor.Items(a, Tensor.Zeros(2)));
    }
}
