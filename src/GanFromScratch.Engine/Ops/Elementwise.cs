using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>
/// Elementwise operations and their derivatives. Each rule receives g = ∂L/∂y and returns
/// ∂L/∂x for every input, using only differentiable operations (masks such as x &gt; 0 are
/// constants: their derivative is zero almost everywhere). A rule with several inputs skips
/// (returns null for) those whose gradient the propagation does not need — see
/// <see cref="Autograd.NeedsGrad"/>.
/// </summary>
public sealed partial class Tensor
{
    // ---- two arguments, with broadcasting -----------------------------------------------------

    public static Tensor operator +(Tensor a, Tensor b) =>
        Record(Binary(BinaryOp.Add, a, b, "add"), "add", [a, b], g => [Needs(a) ? g.SumTo(a.Shape) : null, Needs(b) ? g.SumTo(b.Shape) : null]);

    public static Tensor operator -(Tensor a, Tensor b) =>
        Record(Binary(BinaryOp.Sub, a, b, "sub"), "sub", [a, b], g => [Needs(a) ? g.SumTo(a.Shape) : null, Needs(b) ? (-g).SumTo(b.Shape) : null]);

    public static Tensor operator *(Tensor a, Tensor b) =>
        Record(Binary(BinaryOp.Mul, a, b, "mul"), "mul", [a, b], g => [Needs(a) ? (g * b).SumTo(a.Shape) : null, Needs(b) ? (g * a).SumTo(b.Shape) : null]);

    // d(a/b)/db = −a/b² = −y/b
    public static Tensor operator /(Tensor a, Tensor b) =>
        Record(Binary(BinaryOp.Div, a, b, "div"), "div", [a, b], g => [Needs(a) ? (g / b).SumTo(a.Shape) : null, Needs(b) ? (-g * a / (b * b)).SumTo(b.Shape) : null]);

    public static Tensor Add(Tensor a, Tensor b) => a + b;
    public static Tensor Sub(Tensor a, Tensor b) => a - b;
    public static Tensor Mul(Tensor a, Tensor b) => a * b;
    public static Tensor Div(Tensor a, Tensor b) => a / b;

    /// <summary>Runs a broadcasting binary kernel; the result is not recorded.</summary>
    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b, string name, float alpha = 0f)
    {
        SameBackend(name, a, b);
        var shape = Shapes.Broadcast(a.Shape, b.Shape, name);
        var y = Empty(a, shape);
        a.Backend.Binary(op, a.Buffer, Shapes.BroadcastStrides(a.Shape, shape), b.Buffer, Shapes.BroadcastStrides(b.Shape, shape), y.Buffer, shape, alpha);
        return y;
    }

    /// <summary>
    /// this ← this + <paramref name="g"/> in place, unrecorded, for a sum of gradients that nothing
    /// else holds (<see cref="Autograd"/>): the same kernel and bits as <c>this + g</c>, without a
    /// new buffer. The shapes must be equal.
    /// </summary>
    internal void AddInPlace(Tensor g)
    {
        SameBackend("add", this, g);
        if (!Shapes.Equal(Shape, g.Shape))
            throw new ArgumentException($"An in-place sum needs equal shapes, not {Shapes.Format(Shape)} and {Shapes.Format(g.Shape)}.");
        var strides = Shapes.BroadcastStrides(Shape, Shape);
        Backend.Binary(BinaryOp.Add, Buffer, strides, g.Buffer, strides, Buffer, Shape);
    }

    /// <summary>
    /// The backward of ReLU (slope 0) and of LeakyReLU in one kernel: g where <paramref name="x"/>
    /// &gt; 0, slope·g elsewhere. x is the activation's input, or its output (positive at the same
    /// places for a slope ≥ 0). The result is linear in g with a constant mask, so its derivative
    /// with respect to g is the same op, and x gets none: the mask is piecewise constant.
    /// </summary>
    internal static Tensor PassPositive(Tensor g, Tensor x, float slope)
    {
        var y = Binary(BinaryOp.PassPositive, g, x, "pass_positive", slope);
        return Record(y, "pass_positive", [g], gg => [PassPositive(gg, x, slope)]);
    }

    /// <summary>1 where a == b, else 0 (a constant: no gradient flows through it).</summary>
    public static Tensor EqualMask(Tensor a, Tensor b) => Binary(BinaryOp.Equal, a, b, "equal");

    /// <summary>1 where a &gt; b, else 0 (a constant).</summary>
    public static Tensor GreaterMask(Tensor a, Tensor b) => Binary(BinaryOp.Greater, a, b, "greater");

    // ---- with a scalar --------------------------------------------------------------------------

    /// <summary>y = α·x + β, one kernel.</summary>
    public Tensor Affine(float alpha, float beta)
    {
        var x = this;
        return Record(Map(UnaryOp.Affine, x, alpha, beta), "affine", [x], g => [g * alpha]);
    }

    public static Tensor operator +(Tensor a, float b) => a.Affine(1f, b);
    public static Tensor operator +(float a, Tensor b) => b.Affine(1f, a);
    public static Tensor operator -(Tensor a, float b) => a.Affine(1f, -b);
    public static Tensor operator -(float a, Tensor b) => b.Affine(-1f, a);
    // A product is α·x + (−0): adding −0 changes no number, and keeps a −0 product −0 (α·x + 0 would make it +0).
    public static Tensor operator *(Tensor a, float b) => a.Affine(b, -0f);
    public static Tensor operator *(float a, Tensor b) => b.Affine(a, -0f);
    public static Tensor operator /(Tensor a, float b) => a.Affine(1f / b, -0f);
    public static Tensor operator /(float a, Tensor b) => a * b.Pow(-1f);

    // ---- one argument ---------------------------------------------------------------------------

    /// <summary>Runs a unary kernel; the result is not recorded.</summary>
    private static Tensor Map(UnaryOp op, Tensor x, float alpha = 0, float beta = 0)
    {
        var y = Empty(x, x.Shape);
        x.Backend.Unary(op, x.Buffer, y.Buffer, x.Size, alpha, beta);
        return y;
    }

    public static Tensor operator -(Tensor x) => x.Neg();

    public Tensor Neg()
    {
        var x = this;
        return Record(Map(UnaryOp.Neg, x), "neg", [x], g => [-g]);
    }

    public Tensor Exp()
    {
        var x = this;
        var y = Map(UnaryOp.Exp, x);
        return Record(y, "exp", [x], g => [g * y]);
    }

    public Tensor Log()
    {
        var x = this;
        return Record(Map(UnaryOp.Log, x), "log", [x], g => [g / x]);
    }

    public Tensor Sqrt()
    {
        var x = this;
        var y = Map(UnaryOp.Sqrt, x);
        return Record(y, "sqrt", [x], g => [g * 0.5f / y]);
    }

    /// <summary>x^p for a constant exponent p.</summary>
    public Tensor Pow(float p)
    {
        var x = this;
        if (p == 1f) return Record(Map(UnaryOp.Affine, x, 1f, -0f), "pow", [x], g => [g]); // a copy, −0 kept
        return Record(Map(UnaryOp.Pow, x, p), "pow", [x], g => [g * p * x.Pow(p - 1f)]);
    }

    public Tensor Square()
    {
        var x = this;
        return Record(Map(UnaryOp.Square, x), "square", [x], g => [g * 2f * x]);
    }

    /// <summary>|x|; its derivative sign(x) is taken as 0 at 0, as PyTorch does.</summary>
    public Tensor Abs()
    {
        var x = this;
        return Record(Map(UnaryOp.Abs, x), "abs", [x], g => [g * Map(UnaryOp.Sign, x)]);
    }

    public Tensor Relu()
    {
        var x = this;
        return Record(Map(UnaryOp.Relu, x), "relu", [x], g => [PassPositive(g, x, 0f)]);
    }

    /// <summary>x for x &gt; 0, else slope·x.</summary>
    public Tensor LeakyRelu(float slope = 0.01f)
    {
        var x = this;
        // The derivative is 1 where x > 0 and slope elsewhere.
        return Record(Map(UnaryOp.LeakyRelu, x, slope), "leaky_relu", [x], g => [PassPositive(g, x, slope)]);
    }

    public Tensor Tanh()
    {
        var x = this;
        var y = Map(UnaryOp.Tanh, x);
        return Record(y, "tanh", [x], g => [g * (1f - y.Square())]);
    }

    public Tensor Sigmoid()
    {
        var x = this;
        var y = Map(UnaryOp.Sigmoid, x);
        return Record(y, "sigmoid", [x], g => [g * y * (1f - y)]);
    }

    /// <summary>log(1 + eˣ), whose derivative is the sigmoid.</summary>
    public Tensor Softplus()
    {
        var x = this;
        return Record(Map(UnaryOp.Softplus, x), "softplus", [x], g => [g * x.Sigmoid()]);
    }

    /// <summary>min(max(x, min), max); the gradient passes where min ≤ x ≤ max.</summary>
    public Tensor Clamp(float min, float max)
    {
        if (min > max) throw new ArgumentException($"Clamp: min ({min}) is greater than max ({max}).");
        var x = this;
        return Record(Map(UnaryOp.Clamp, x, min, max), "clamp", [x], g => [g * Map(UnaryOp.InRange, x, min, max)]);
    }

    /// <summary>
    /// Elementwise choice: where <paramref name="mask"/> is non-zero take <paramref name="a"/>,
    /// else <paramref name="b"/>; all three broadcast together. The mask is a constant.
    /// </summary>
    public static Tensor Where(Tensor mask, Tensor a, Tensor b)
    {
        SameBackend("where", mask, a);
        SameBackend("where", a, b);
        var shape = Shapes.Broadcast(Shapes.Broadcast(mask.Shape, a.Shape, "where"), b.Shape, "where");
        var m = ExpandData(mask, shape);
        var ea = ExpandData(a, shape);
        var eb = ExpandData(b, shape);
        var y = Empty(a, shape);
        a.Backend.Where(m.Buffer, ea.Buffer, eb.Buffer, y.Buffer, y.Size);
        return Record(y, "where", [a, b], g =>
        {
            var zero = ZerosLike(g);
            return [Needs(a) ? Where(m, g, zero).SumTo(a.Shape) : null, Needs(b) ? Where(m, zero, g).SumTo(b.Shape) : null];
        });
    }
}
