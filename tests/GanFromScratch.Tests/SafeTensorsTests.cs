using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using GanFromScratch.Engine;
using GanFromScratch.Nn;

namespace GanFromScratch.Tests;

/// <summary>The safetensors reader and writer: the layout other tools expect, round trips, and refusals.</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gfs-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(params (string, Tensor)[] tensors)
    {
        string path = Path.Combine(_dir, "t.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["note"] = "hello" });
        return path;
    }

    [Fact]
    public void Round_trip_keeps_names_shapes_values_and_metadata()
    {
        var w = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        var b = Tensor.FromArray([-0.5f], 1);
        var s = Tensor.Scalar(7);
        var (tensors, meta) = SafeTensors.Load(Write(("w", w), ("b", b), ("s", s)));
        Assert.Equal([2, 3], tensors["w"].Shape);
        Assert.Equal(w.ToArray(), tensors["w"].Data);
        Assert.Equal([-0.5f], tensors["b"].Data);
        Assert.Empty(tensors["s"].Shape);
        Assert.Equal([7f], tensors["s"].Data);
        Assert.Equal("hello", meta["note"]);
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }

    [Fact]
    public void The_layout_is_the_safetensors_format()
    {
        var bytes = File.ReadAllBytes(Write(("a", Tensor.FromArray([1, 2], 2)), ("b", Tensor.FromArray([3, 4, 5], 3))));
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + n) % 8); // data aligned to 8 bytes
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n));
        var a = header.RootElement.GetProperty("a");
        Assert.Equal("F32", a.GetProperty("dtype").GetString());
        Assert.Equal([0, 8], a.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([8, 20], header.RootElement.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(8 + (long)n + 20, bytes.Length);
        Assert.Equal(3f, BitConverter.ToSingle(bytes, 8 + (int)n + 8)); // little-endian float32
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "truncated", "shorter than the 8-byte header length" },
        { "header-too-long", "the header claims" },
        { "not-json", "not valid JSON" },
        { "wrong-dtype", "dtype F16" },
        { "bad-offsets", "byte range" },
        { "data-cut", "byte range" },
        { "flipped-data-bit", "is damaged: its contents do not match the checksum" },
        { "edited-metadata", "is damaged: its contents do not match the checksum" },
        { "metadata-not-utf8", "its metadata is malformed" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Malformed_files_are_refused_with_the_reason(string kind, string expected)
    {
        string path = Write(("w", Tensor.FromArray([1, 2, 3, 4], 4)));
        var bytes = File.ReadAllBytes(path);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, n);
        byte[] WithHeader(string h)
        {
            var hb = Encoding.UTF8.GetBytes(h);
            var result = new byte[8 + hb.Length + 16];
            BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)hb.Length);
            hb.CopyTo(result, 8);
            return result;
        }
        byte[] corrupt = kind switch
        {
            "truncated" => bytes[..5],
            "header-too-long" => [.. BitConverter.GetBytes(1_000_000UL), .. bytes[8..]],
            "not-json" => WithHeader("{\"w\": [1, 2"),
            "wrong-dtype" => WithHeader(header.Replace("F32", "F16")),
            "bad-offsets" => WithHeader(header.Replace("[0,16]", "[0,12]")),
            "data-cut" => bytes[..^4],
            "flipped-data-bit" => Flip(bytes, bytes.Length - 3, 0x10),
            "edited-metadata" => WithHeader(header.Replace("hello", "hellp"))[..(8 + n + 16)],
            "metadata-not-utf8" => Replace(bytes, Encoding.UTF8.GetBytes("hello"), [0x68, 0xFF, 0xFE, 0x6C, 0x6F]),
            _ => throw new ArgumentException(kind),
        };
        File.WriteAllBytes(path, corrupt);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static byte[] Flip(byte[] bytes, int at, byte mask)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= mask;
        return copy;
    }

    /// <summary>The bytes with the first occurrence of <paramref name="find"/> overwritten by <paramref name="with"/> (same length).</summary>
    private static byte[] Replace(byte[] bytes, byte[] find, byte[] with)
    {
        int at = bytes.AsSpan().IndexOf(find);
        Assert.True(at >= 0);
        var copy = (byte[])bytes.Clone();
        with.CopyTo(copy, at);
        return copy;
    }

    [Fact]
    public void The_checksum_covers_metadata_names_shapes_and_data_and_a_file_without_one_still_loads()
    {
        string path = Write(("w", Tensor.FromArray([1, 2, 3, 4], 2, 2)));
        var (_, meta) = SafeTensors.Load(path);
        Assert.StartsWith("sha256:", meta[SafeTensors.ChecksumKey]);
        string Sum(string note, string name, int[] shape, float[] data) =>
            SafeTensors.Checksum(new Dictionary<string, string> { ["note"] = note }, [(name, shape, data)]);
        string reference = Sum("hello", "w", [2, 2], [1, 2, 3, 4]);
        Assert.Equal(meta[SafeTensors.ChecksumKey], reference);
        Assert.NotEqual(reference, Sum("hellp", "w", [2, 2], [1, 2, 3, 4]));
        Assert.NotEqual(reference, Sum("hello", "v", [2, 2], [1, 2, 3, 4]));
        Assert.NotEqual(reference, Sum("hello", "w", [4], [1, 2, 3, 4]));
        Assert.NotEqual(reference, Sum("hello", "w", [2, 2], [1, 2, 3, 5]));

        // A file from another writer (PyTorch's safetensors) has no checksum: it is read as it is.
        var bytes = File.ReadAllBytes(path);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = System.Text.Json.Nodes.JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, n))!.AsObject();
        header["__metadata__"]!.AsObject().Remove(SafeTensors.ChecksumKey);
        var hb = Encoding.UTF8.GetBytes(header.ToJsonString());
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)hb.Length), .. hb, .. bytes[(8 + n)..]]);
        Assert.Equal([1f, 2, 3, 4], SafeTensors.Load(path).Tensors["w"].Data);
    }

    [Fact]
    public void A_module_loads_its_own_state_and_refuses_a_mismatch()
    {
        var a = new Sequential(new Linear(3, 4, new RandomStream(1)), new Relu(), new Linear(4, 2, new RandomStream(2)));
        var b = new Sequential(new Linear(3, 4, new RandomStream(3)), new Relu(), new Linear(4, 2, new RandomStream(4)));
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensors.Save(path, a.NamedParameters("net."), new Dictionary<string, string>());
        var (tensors, _) = SafeTensors.Load(path);
        Assert.Equal(["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"], tensors.Keys);
        b.LoadStateDict(tensors, "net.");
        Assert.Equal(a.Parameters().SelectMany(p => p.ToArray()), b.Parameters().SelectMany(p => p.ToArray()));

        var wider = new Sequential(new Linear(3, 5, new RandomStream(1)), new Relu(), new Linear(5, 2, new RandomStream(2)));
        var before = wider.Parameters().SelectMany(p => p.ToArray()).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => wider.LoadStateDict(tensors, "net."));
        Assert.Contains("net.0.weight", e.Message);
        Assert.Equal(before, wider.Parameters().SelectMany(p => p.ToArray())); // nothing changed
    }
}
