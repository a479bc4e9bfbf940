using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>Creating tensors, and the plumbing every operation shares.</summary>
public sealed partial class Tensor
{
    public static Tensor Zeros(params int[] shape) => Full(shape, 0f);

    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    public static Tensor Full(int[] shape, float value, Backend? backend = null)
    {
        var t = new Tensor(backend ?? Device.Default, (int[])shape.Clone());
        t.Backend.Fill(t.Buffer, t.Size, value);
        return t;
    }

    public static Tensor ZerosLike(Tensor x) => Full(x.Shape, 0f, x.Backend);

    public static Tensor OnesLike(Tensor x) => Full(x.Shape, 1f, x.Backend);

    /// <summary>A scalar (shape []) tensor.</summary>
    public static Tensor Scalar(float value, Backend? backend = null) => Full([], value, backend);

    /// <summary>A tensor holding a copy of <paramref name="data"/>, row-major, with the given shape.</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => FromArray(data, shape, null);

    public static Tensor FromArray(ReadOnlySpan<float> data, int[] shape, Backend? backend)
    {
        if (shape.Length == 0 && data.Length != 1) shape = [data.Length];
        int count = Engine.Shape.Count(shape);
        if (count != data.Length)
            throw new ArgumentException($"{data.Length} values cannot fill a tensor of shape {Engine.Shape.Format(shape)} ({count} elements).");
        var t = new Tensor(backend ?? Device.Default, (int[])shape.Clone());
        t.Backend.Upload(data, t.Buffer);
        return t;
    }

    /// <summary>[start, start + step, …) up to but excluding <paramref name="stop"/>, as numpy's arange.</summary>
    public static Tensor Arange(float start, float stop, float step = 1f, Backend? backend = null)
    {
        if (step == 0 || float.IsNaN(step)) throw new ArgumentException("Arange: step must be non-zero.", nameof(step));
        int n = Math.Max(0, (int)MathF.Ceiling((stop - start) / step));
        var t = new Tensor(backend ?? Device.Default, [n]);
        t.Backend.Arange(t.Buffer, n, start, step);
        return t;
    }

    public static Tensor Arange(int n) => Arange(0, n);

    /// <summary>Uniform on [low, high), from the counter-based stream of <paramref name="generator"/>.</summary>
    public static Tensor Rand(int[] shape, Generator generator, float low = 0f, float high = 1f, Backend? backend = null) =>
        Random(shape, generator, RandomDistribution.Uniform, low, high, backend);

    /// <summary>Normal(mean, std), from the counter-based stream of <paramref name="generator"/>.</summary>
    public static Tensor Randn(int[] shape, Generator generator, float mean = 0f, float std = 1f, Backend? backend = null) =>
        Random(shape, generator, RandomDistribution.Normal, mean, std, backend);

    private static Tensor Random(int[] shape, Generator generator, RandomDistribution distribution, float a, float b, Backend? backend)
    {
        var t = new Tensor(backend ?? Device.Default, (int[])shape.Clone());
        ulong offset = generator.Advance(t.Size);
        t.Backend.Random(t.Buffer, t.Size, distribution, generator.Seed, offset, a, b);
        return t;
    }

    // ---- plumbing shared by the operations ----------------------------------------------------

    /// <summary>An uninitialised tensor on the same backend as <paramref name="like"/>.</summary>
    private static Tensor Empty(Tensor like, int[] shape) => new(like.Backend, shape);

    /// <summary>Whether a backward rule must produce the gradient for <paramref name="input"/> (see <see cref="Autograd.NeedsGrad"/>).</summary>
    private static bool Needs(Tensor input) => Autograd.NeedsGrad(input);

    /// <summary>Checks that every operand lives on one backend.</summary>
    private static void SameBackend(string op, Tensor a, Tensor b)
    {
        if (!ReferenceEquals(a.Backend, b.Backend))
            throw new ArgumentException($"{op}: operands are on different devices ({a.Backend.Name} and {b.Backend.Name}); move one first.");
    }

    /// <summary>
    /// Attaches the backward rule to <paramref name="result"/> when grad mode is on and any input
    /// requires gradients; otherwise the result is a plain constant.
    /// </summary>
    private static Tensor Record(Tensor result, string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!Autograd.IsEnabled) return result;
        foreach (var input in inputs)
        {
            if (!input.RequiresGrad) continue;
            result.GradFn = new Node(name, inputs, backward);
            result._requiresGrad = true;
            break;
        }
        return result;
    }
}

/// <summary>
/// A seeded source of random tensors. Numbers come from Philox 4x32-10 keyed by
/// <see cref="Seed"/>; the generator only keeps an offset into that stream, so the same seed gives
/// the same numbers on every backend, and saving (seed, offset) saves the whole state.
/// </summary>
public sealed class Generator(ulong seed, ulong offset = 0)
{
    public ulong Seed { get; } = seed;

    /// <summary>How many numbers have been drawn so far.</summary>
    public ulong Offset { get; set; } = offset;

    /// <summary>Reserves <paramref name="count"/> numbers and returns the offset of the first.</summary>
    public ulong Advance(int count)
    {
        ulong start = Offset;
        Offset += (ulong)count;
        return start;
    }
}
