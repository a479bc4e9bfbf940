using GanFromScratch.Gan;
using GanFromScratch.Gan.Data;

namespace GanFromScratch.Tests;

/// <summary>IDX files, the Fashion-MNIST loader's refusals, and seeded batches.</summary>
public sealed class ImageDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A folder (made if needed) in MNIST's layout with <paramref name="n"/> training and test images of 28×28 whose pixels encode their index.</summary>
    internal static void WriteTinyMnist(string dir, int n = 40, int side = 28)
    {
        Directory.CreateDirectory(dir);
        foreach (var split in new[] { "train", "t10k" })
        {
            var pixels = new byte[n * side * side];
            var labels = new byte[n];
            for (int i = 0; i < n; i++)
            {
                labels[i] = (byte)(i % 10);
                // A bright square whose place depends on the class, on a dark ground: something to learn.
                int square = side * 10 / 28;
                for (int y = 0; y < square; y++)
                    for (int x = 0; x < square; x++)
                        pixels[i * side * side + (side / 7 + y + i % 3 * side / 7) * side + side / 7 + x + i % 10 * side / 28] = (byte)(200 + i % 50);
            }
            Idx.Write(Path.Combine(dir, $"{split}-images-idx3-ubyte.gz"), [n, side, side], pixels);
            Idx.Write(Path.Combine(dir, $"{split}-labels-idx1-ubyte"), [n], labels);
        }
    }

    [Fact]
    public void Idx_round_trips_plain_and_gzip()
    {
        var data = Enumerable.Range(0, 24).Select(i => (byte)(i * 7)).ToArray();
        foreach (var name in new[] { "a.idx", "b.idx.gz" })
        {
            string path = Path.Combine(_dir, name);
            Idx.Write(path, [2, 3, 4], data);
            var (shape, read) = Idx.Read(path);
            Assert.Equal([2, 3, 4], shape);
            Assert.Equal(data, read);
        }
        Assert.Equal(0x1f, File.ReadAllBytes(Path.Combine(_dir, "b.idx.gz"))[0]);
    }

    [Fact]
    public void Malformed_idx_files_are_refused_naming_the_file_and_the_fault()
    {
        string path = Path.Combine(_dir, "bad.idx");
        Idx.Write(path, [10, 5], new byte[50]);
        var whole = File.ReadAllBytes(path);

        File.WriteAllBytes(path, whole[..^7]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);

        var magic = (byte[])whole.Clone();
        magic[0] = 7;
        File.WriteAllBytes(path, magic);
        Assert.Contains("two zero bytes", Assert.Throws<InvalidDataException>(() => Idx.Read(path)).Message);

        var type = (byte[])whole.Clone();
        type[2] = 0x0D;
        File.WriteAllBytes(path, type);
        Assert.Contains("0x0d", Assert.Throws<InvalidDataException>(() => Idx.Read(path)).Message);

        File.WriteAllBytes(path, whole[..6]);
        Assert.Contains("ends inside", Assert.Throws<InvalidDataException>(() => Idx.Read(path)).Message);

        string gz = Path.Combine(_dir, "cut.idx.gz");
        Idx.Write(gz, [100, 100], new byte[10000]);
        File.WriteAllBytes(gz, File.ReadAllBytes(gz)[..20]);
        Assert.Contains(gz, Assert.ThrowsAny<Exception>(() => Idx.Read(gz)).Message);
    }

    [Fact]
    public void The_loader_scales_pixels_checks_labels_and_names_the_debian_package_when_missing()
    {
        WriteTinyMnist(_dir, 12);
        var data = FashionMnist.Load(_dir, train: true);
        Assert.Equal(12, data.Count);
        Assert.Equal((28, 28), (data.Height, data.Width));
        Assert.InRange(data.Pixels.Max(), 200f / 255f, 1f);
        Assert.Equal(0f, data.Pixels.Min());
        Assert.Equal([1, 1, 28, 28], data.Batch([3]).Shape);

        var missing = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(null, train: true, defaultFolder: Path.Combine(_dir, "none")));
        Assert.Contains("dataset-fashion-mnist", missing.Message);
        Assert.Contains("--data", missing.Message);
        var noTest = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(Path.Combine(_dir, "none"), train: false));
        Assert.Contains("t10k-images-idx3-ubyte", noTest.Message);

        Idx.Write(Path.Combine(_dir, "train-labels-idx1-ubyte"), [11], new byte[11]);
        Assert.Contains("11 labels for 12 images", Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: true)).Message);
        Idx.Write(Path.Combine(_dir, "train-labels-idx1-ubyte"), [12], Enumerable.Repeat((byte)12, 12).ToArray());
        Assert.Contains("label 12", Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: true)).Message);
    }

    /// <summary>Four epochs of a 20-image order keyed as a run of <paramref name="seed"/> keys its images.</summary>
    private static int[][] Epochs(ulong seed, int scheme)
    {
        var order = new EpochOrder(20, seed * 0x9E3779B97F4A7C15UL + 1, "images", scheme);
        return [.. Enumerable.Range(0, 4).Select(_ => order.Next(20))];
    }

    [Fact]
    public void Every_epoch_of_every_seed_is_shuffled_its_own_way_and_the_first_scheme_is_kept_as_it_was()
    {
        var current = new[] { 1UL, 2UL, 3UL }.SelectMany(seed => Epochs(seed, EpochOrder.Current)).ToList();
        Assert.Equal(12, current.Select(o => string.Join(',', o)).Distinct().Count());
        // The first scheme: seed s + 1's epochs were seed s's one epoch later (kept for the runs that used it).
        var (one, two) = (Epochs(1, EpochOrder.FirstScheme), Epochs(2, EpochOrder.FirstScheme));
        for (int e = 0; e < 3; e++) Assert.Equal(one[e + 1], two[e]);
        // Epoch 0 is the same in both: a run within its first epoch is unchanged.
        Assert.Equal(one[0], Epochs(1, EpochOrder.Current)[0]);
        Assert.NotEqual(one[1], Epochs(1, EpochOrder.Current)[1]);
    }

    [Fact]
    public void A_run_saved_before_its_data_order_was_named_resumes_and_reruns_in_the_order_it_had()
    {
        WriteTinyMnist(_dir, 20);
        var train = FashionMnist.Load(_dir, train: true);
        var config = TestRuns.Defaults("dcgan", "mnist") with { Dim = 2, BatchSize = 5 }; // an epoch: 4 iterations
        Assert.Equal(EpochOrder.Current, config.DataOrder);
        var first = config with { DataOrder = EpochOrder.FirstScheme };
        var old = TestRuns.Images(first, train);
        var now = TestRuns.Images(config, train);
        for (int i = 0; i < 4; i++) Assert.Equal(old.Step(), now.Step()); // the first epoch: the same batches
        Assert.NotEqual(old.Step(), now.Step());

        string path = Path.Combine(_dir, "before.safetensors");
        TestRuns.Save(old, path);
        TestRuns.Edit(path, (_, meta) =>
        {
            var saved = System.Text.Json.Nodes.JsonNode.Parse(meta["config"])!.AsObject();
            Assert.True(saved.Remove("data_order"));
            meta["config"] = saved.ToJsonString();
        });
        var resumed = TestRuns.LoadImages(path, train);
        Assert.Equal(EpochOrder.FirstScheme, resumed.Config.DataOrder);
        for (int i = 0; i < 5; i++) Assert.Equal(old.Step(), resumed.Step());

        // Its config.json, read for a rerun: likewise; a configuration of today names its order and keeps it.
        var json = System.Text.Json.Nodes.JsonNode.Parse(first.ToJson())!.AsObject();
        Assert.True(json.Remove("data_order"));
        string file = Path.Combine(_dir, "config.json");
        File.WriteAllText(file, json.ToJsonString());
        Assert.Equal(EpochOrder.FirstScheme, TrainConfig.ReadFile(file).DataOrder);
        Assert.Equal(EpochOrder.Current, TrainConfig.FromJson(config.ToJson()).DataOrder);
        File.WriteAllText(file, (config with { DataOrder = 3 }).ToJson());
        Assert.Contains("data_order must be 1 or 2", Assert.Throws<InvalidDataException>(() => TrainConfig.ReadFile(file)).Message);
    }

    [Fact]
    public void Batches_visit_every_image_once_per_epoch_in_a_seeded_order_and_resume_exactly()
    {
        WriteTinyMnist(_dir, 20);
        var data = FashionMnist.Load(_dir, train: true);
        var labelsOf = (ImageBatches b, int batches) => Enumerable.Range(0, batches).SelectMany(_ => b.Next(5).Labels).ToArray();

        var first = new ImageBatches(data, 7);
        var epoch0 = Enumerable.Range(0, 4).SelectMany(_ => first.Next(5).Images.ToArray().Chunk(784).Select(img => img.Sum())).ToArray();
        Assert.Equal(20, epoch0.Distinct().Count()); // 20 different images: each once
        Assert.Equal(0, first.Epoch);
        first.Next(5);
        Assert.Equal(1, first.Epoch);

        var a = labelsOf(new ImageBatches(data, 7), 8);
        Assert.Equal(a, labelsOf(new ImageBatches(data, 7), 8));
        Assert.NotEqual(a, labelsOf(new ImageBatches(data, 8), 8));
        Assert.NotEqual(a[..20], a[20..]); // a new order each epoch

        var resumed = new ImageBatches(data, 7);
        resumed.Seek(1, 5);
        Assert.Equal(a[25..], labelsOf(resumed, 3));
        Assert.Throws<InvalidDataException>(() => resumed.Seek(0, 21));
    }
}
