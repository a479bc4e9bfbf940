using GanFromScratch.Engine;
using GanFromScratch.Kernels;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// Grey images with class labels, held in memory as floats in [0, 1] (pixel / 255), as the
/// WGAN-GP authors' gan_mnist.py feeds its sigmoid generator's opponent.
/// </summary>
public sealed class ImageDataset
{
    public ImageDataset(string name, float[] pixels, byte[] labels, int height, int width)
    {
        if (pixels.Length != labels.Length * height * width)
            throw new ArgumentException($"{name}: {pixels.Length} pixels do not make {labels.Length} images of {height}×{width}.");
        (Name, Pixels, Labels, Height, Width) = (name, pixels, labels, height, width);
    }

    public string Name { get; }
    public float[] Pixels { get; }
    public byte[] Labels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Count => Labels.Length;
    public int ImageSize => Height * Width;

    /// <summary>Images [n, 1, H, W] at the given indices.</summary>
    public Tensor Batch(ReadOnlySpan<int> indices, Backend? backend = null)
    {
        var data = new float[indices.Length * ImageSize];
        for (int i = 0; i < indices.Length; i++)
            Pixels.AsSpan(indices[i] * ImageSize, ImageSize).CopyTo(data.AsSpan(i * ImageSize));
        return Tensor.FromArray(data, [indices.Length, 1, Height, Width], backend);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order, with their labels: a dataset of their own.</summary>
    public ImageDataset Subset(int[] indices, string name)
    {
        var pixels = new float[indices.Length * ImageSize];
        for (int i = 0; i < indices.Length; i++) Pixels.AsSpan(indices[i] * ImageSize, ImageSize).CopyTo(pixels.AsSpan(i * ImageSize));
        return new ImageDataset(name, pixels, [.. indices.Select(i => Labels[i])], Height, Width);
    }

    /// <summary>
    /// A balanced labelled subset, as the semi-supervised GAN's authors draw it: the indices of the
    /// first <paramref name="perClass"/> images of every class in a permutation that is a pure
    /// function of <paramref name="key"/>, class by class. Refused when a class holds fewer.
    /// </summary>
    public int[] BalancedSubset(int perClass, ulong key)
    {
        if (perClass < 1) throw new ArgumentException($"--labels-per-class must be at least 1, not {perClass}.");
        int classes = Labels.Max() + 1;
        var counts = new int[classes];
        foreach (byte label in Labels) counts[label]++;
        int scarce = Array.FindIndex(counts, c => c < perClass);
        if (scarce >= 0)
            throw new ArgumentException($"--labels-per-class {perClass} is more than {Name}'s training images hold of class {scarce} " +
                                        $"({counts[scarce]}); give at most {counts.Min()}.");
        var order = EpochOrder.Permutation(Count, key);
        return [.. Enumerable.Range(0, classes).SelectMany(c => order.Where(i => Labels[i] == c).Take(perClass))];
    }

    /// <summary>Images [count, 1, H, W] from index <paramref name="start"/> on, in order.</summary>
    public Tensor Batch(int start, int count, Backend? backend = null) =>
        Tensor.FromArray(Pixels.AsSpan(start * ImageSize, count * ImageSize), [count, 1, Height, Width], backend);

    /// <summary>
    /// <paramref name="count"/> 28×28 images of uniform noise from the seed's Philox stream, all
    /// labelled 0: for timing and for comparing backends, where the cost or the agreement of a
    /// step does not depend on what the pixels show.
    /// </summary>
    public static ImageDataset Random(int count, ulong seed)
    {
        var pixels = new float[count * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = Philox.Uniform(seed, (ulong)i, 0f, 1f);
        return new ImageDataset("random", pixels, new byte[count], 28, 28);
    }
}

/// <summary>
/// Fashion-MNIST (or MNIST, or any pair of IDX files in the same layout): the Debian package
/// <c>dataset-fashion-mnist</c> installs it under <see cref="DefaultFolder"/>; <c>--data DIR</c>
/// points at a folder holding <c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>
/// and the <c>t10k-</c> pair. Nothing is ever downloaded.
/// </summary>
public static class FashionMnist
{
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The classes of Fashion-MNIST (and MNIST): labels 0–9.</summary>
    public const int Classes = 10;
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>Loads the training split (60,000 images) or the test split (10,000).</summary>
    /// <param name="folder">The folder given with --data, or null.</param>
    /// <param name="train">The training split, or the test split.</param>
    /// <param name="defaultFolder">Where to look when no folder is given (tests point it elsewhere).</param>
    public static ImageDataset Load(string? folder, bool train, string defaultFolder = DefaultFolder)
    {
        string dir = folder ?? defaultFolder;
        string split = train ? "train" : "t10k";
        string images = Find(dir, $"{split}-images-idx3-ubyte", folder is null);
        string labels = Find(dir, $"{split}-labels-idx1-ubyte", folder is null);
        var (imageShape, pixels) = Idx.Read(images);
        var (labelShape, labelBytes) = Idx.Read(labels);
        if (imageShape.Length != 3)
            throw new InvalidDataException($"{images}: expected images [count, height, width], got {imageShape.Length} dimensions.");
        if (labelShape.Length != 1 || labelShape[0] != imageShape[0])
            throw new InvalidDataException($"{labels}: {string.Join("×", labelShape)} labels for {imageShape[0]} images in {images}.");
        int bad = Array.FindIndex(labelBytes, l => l >= Classes);
        if (bad >= 0) throw new InvalidDataException($"{labels}: label {labelBytes[bad]} at index {bad} is not a class 0–9.");
        var floats = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) floats[i] = pixels[i] / 255f;
        return new ImageDataset(folder is null ? "fashion-mnist" : Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)), floats, labelBytes,
            imageShape[1], imageShape[2]);
    }

    private static string Find(string dir, string name, bool isDefault)
    {
        foreach (var candidate in new[] { name + ".gz", name })
            if (File.Exists(Path.Combine(dir, candidate))) return Path.Combine(dir, candidate);
        if (isDefault)
            throw new FileNotFoundException(
                $"Fashion-MNIST is not installed: {Path.Combine(dir, name)}.gz is missing. Install the Debian package: " +
                $"sudo apt-get install {DebianPackage} (or give --data DIR with your own MNIST-format files).");
        throw new FileNotFoundException($"{Path.Combine(dir, name)}(.gz) is missing: --data {dir} should hold " +
                                        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz).");
    }
}

/// <summary>
/// Batches of images in a seeded random order, reshuffled every epoch (<see cref="EpochOrder"/>,
/// shuffled by <paramref name="scheme"/>); the last incomplete batch of an epoch is dropped. The
/// position (epoch, next index) is all there is to save for an exact resume.
/// </summary>
public sealed class ImageBatches(ImageDataset data, ulong seed, int scheme = EpochOrder.Current)
{
    private readonly EpochOrder _order = new(data.Count, seed, "images", scheme);

    public ImageDataset Data { get; } = data;
    public int Epoch => _order.Epoch;
    public int Position => _order.Position;

    /// <summary>Continue from a saved position.</summary>
    public void Seek(int epoch, int position) => _order.Seek(epoch, position);

    /// <summary>The next batch of images [batch, 1, H, W] and their labels.</summary>
    public (Tensor Images, byte[] Labels) Next(int batch)
    {
        var indices = NextIndices(batch);
        return (Data.Batch(indices), [.. indices.Select(i => Data.Labels[i])]);
    }

    /// <summary>The dataset indices of the next batch (what <see cref="Next"/> reads), moving on as it does.</summary>
    public int[] NextIndices(int batch) => _order.Next(batch);
}

/// <summary>
/// Indices 0 … count − 1 in a seeded random order, batch after batch, reshuffled every epoch (a
/// Fisher–Yates shuffle driven by the run's Philox stream); the last incomplete batch of an epoch
/// is dropped. The position (epoch, next index) is all there is to save for an exact resume.
/// <para>
/// Epoch e's shuffle, by <paramref name="scheme"/>: <see cref="Current"/> draws Philox numbers under
/// one key, seed + φ (φ = 0x9E3779B97F4A7C15), at counters e·2³² + i — every epoch of every seed its
/// own numbers. <see cref="FirstScheme"/>, gfs's first, keyed epoch e by seed + φ·(e + 1); as runs
/// key their streams φ·seed + …, seed s + 1's epoch e was seed s's epoch e + 1, the same images in
/// the same order one epoch apart. It stays for the runs that used it (a configuration that does
/// not name <c>data_order</c>), so that they resume and rerun exactly. Epoch 0 is the same in both.
/// </para>
/// </summary>
public sealed class EpochOrder(int count, ulong seed, string what, int scheme = EpochOrder.Current)
{
    /// <summary>The shuffles of epochs (see the class's remarks).</summary>
    public const int FirstScheme = 1, Current = 2;

    private const ulong Phi = 0x9E3779B97F4A7C15UL;

    private int[]? _order;

    public int Epoch { get; private set; }
    public int Position { get; private set; }

    /// <summary>Continue from a saved position.</summary>
    public void Seek(int epoch, int position)
    {
        if (epoch < 0 || position < 0 || position > count)
            throw new InvalidDataException($"Saved data position (epoch {epoch}, index {position}) does not fit {count} {what}.");
        (Epoch, Position, _order) = (epoch, position, null);
    }

    /// <summary>The indices of the next batch, moving on.</summary>
    public int[] Next(int batch)
    {
        if (batch > count) throw new ArgumentException($"A batch of {batch} is larger than the dataset ({count} {what}).");
        if (Position + batch > count) (Epoch, Position, _order) = (Epoch + 1, 0, null);
        _order ??= Order(Epoch);
        var indices = _order.AsSpan(Position, batch).ToArray();
        Position += batch;
        return indices;
    }

    /// <summary>The permutation of epoch <paramref name="epoch"/>: a pure function of (seed, epoch, scheme).</summary>
    private int[] Order(int epoch) => scheme == FirstScheme
        ? Permutation(count, seed + Phi * (ulong)(epoch + 1))
        : Permutation(count, seed + Phi, (ulong)epoch << 32);

    /// <summary>
    /// A permutation of 0 … n − 1 that is a pure function of <paramref name="key"/> and
    /// <paramref name="counters"/> (Fisher–Yates on the Philox numbers at counters + 1 … counters + n − 1).
    /// </summary>
    public static int[] Permutation(int n, ulong key, ulong counters = 0)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(Philox.Uniform(key, counters + (ulong)i, 0f, 1f) * (i + 1));
            if (j > i) j = i;
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}

/// <summary>The image datasets <c>--dataset</c> accepts.</summary>
public static class ImageDatasets
{
    public static readonly string[] Names = ["fashion-mnist", "mnist"];

    /// <summary>
    /// The training or test split of <paramref name="name"/>: Fashion-MNIST from the Debian
    /// package or <paramref name="dataDir"/>; MNIST (not packaged) only from <paramref name="dataDir"/>.
    /// </summary>
    public static ImageDataset Load(string name, string? dataDir, bool train) => name switch
    {
        "fashion-mnist" => FashionMnist.Load(dataDir, train),
        "mnist" => FashionMnist.Load(dataDir ?? throw new ArgumentException(
            "--dataset mnist needs --data DIR: a folder with MNIST's four IDX files (train-images-idx3-ubyte.gz, …); MNIST is not packaged in Debian."), train),
        _ => throw new ArgumentException($"Unknown image dataset '{name}'. Valid: {string.Join(", ", Names)}."),
    };
}
