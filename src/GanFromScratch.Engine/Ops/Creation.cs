using GanFromScratch.Kernels;

namespace GanFromScratch.Engine;

/// <summary>Creating tensors: constants, copies of host data, ranges and seeded random numbers.</summary>
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
        int count = Shapes.Count(shape);
        if (count != data.Length)
            throw new ArgumentException($"{data.Length} values cannot fill a tensor of shape {Shapes.Format(shape)} ({count} elements).");
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

    /// <summary>Uniform on [low, high), from the counter-based stream of <paramref name="random"/>.</summary>
    public static Tensor Rand(int[] shape, RandomStream random, float low = 0f, float high = 1f, Backend? backend = null) =>
        Random(shape, random, RandomDistribution.Uniform, low, high, backend);

    /// <summary>Normal(mean, std), from the counter-based stream of <paramref name="random"/>.</summary>
    public static Tensor Randn(int[] shape, RandomStream random, float mean = 0f, float std = 1f, Backend? backend = null) =>
        Random(shape, random, RandomDistribution.Normal, mean, std, backend);

    private static Tensor Random(int[] shape, RandomStream random, RandomDistribution distribution, float a, float b, Backend? backend)
    {
        var t = new Tensor(backend ?? Device.Default, (int[])shape.Clone());
        ulong offset = random.Advance(t.Size);
        t.Backend.Random(t.Buffer, t.Size, distribution, random.Seed, offset, a, b);
        return t;
    }
}
