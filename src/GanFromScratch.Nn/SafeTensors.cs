using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanFromScratch.Engine;

namespace GanFromScratch.Nn;

/// <summary>One tensor read from a file: its shape and its values.</summary>
public sealed record StoredTensor(int[] Shape, float[] Data);

/// <summary>
/// The safetensors format (Hugging Face), which PyTorch users load with
/// <c>safetensors.torch.load_file</c>: an 8-byte little-endian header length N, N bytes of JSON
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data. A
/// "__metadata__" entry holds string pairs; gfs keeps its run configuration and counters there.
/// Only float32 ("F32") is written and read.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>The metadata entry that holds the checksum of everything else in the file.</summary>
    public const string ChecksumKey = "checksum";

    /// <summary>
    /// Writes the tensors and metadata to <paramref name="path"/> atomically (see
    /// <see cref="Write"/>). The tensors are copied to the host first (on a GPU, one wait).
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string> metadata) =>
        Write(path, [.. tensors.Select(t => (t.Name, new StoredTensor(t.Value.Shape, t.Value.ToArray())))], metadata);

    /// <summary>
    /// Writes host tensors and metadata to <paramref name="path"/> atomically (<see cref="AtomicFile"/>):
    /// to a temporary file beside it, flushed to disk, then renamed over the target, so a crash
    /// leaves either the old file or the new one, never half of one. The metadata gains a <see cref="ChecksumKey"/>
    /// entry, a SHA-256 of the other metadata, the tensors' names and shapes and their data
    /// (<see cref="Checksum"/>), which <see cref="Load"/> verifies: a damaged file is refused.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, StoredTensor Value)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.ContainsKey(ChecksumKey)) throw new ArgumentException($"The metadata key '{ChecksumKey}' is reserved for the file's checksum.");
        var meta = new Dictionary<string, string>(metadata) { [ChecksumKey] = Checksum(metadata, tensors.Select(t => (t.Name, t.Value.Shape, t.Value.Data))) };
        var header = new JsonObject { ["__metadata__"] = new JsonObject(meta.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) };
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            if (name == "__metadata__" || header.ContainsKey(name)) throw new ArgumentException($"Duplicate or reserved tensor name '{name}'.");
            long end = offset + 4L * t.Data.Length;
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }
        // The format allows trailing spaces in the header: pad it so the data starts 8-byte aligned.
        string json = header.ToJsonString();
        int padding = (8 - Encoding.UTF8.GetByteCount(json) % 8) % 8;
        var headerBytes = Encoding.UTF8.GetBytes(json + new string(' ', padding));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian.");

        AtomicFile.Write(path, temp =>
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
                stream.Write(length);
                stream.Write(headerBytes);
                for (int i = 0; i < tensors.Count; i++)
                {
                    if (i == tensors.Count / 2) FaultInjection.Reach("checkpoint.data"); // a crash half-way through the data
                    stream.Write(MemoryMarshal.AsBytes(tensors[i].Value.Data.AsSpan()));
                }
                stream.Flush(flushToDisk: true);
            }
            FaultInjection.Reach("checkpoint.rename"); // a crash with the new file complete beside the old one
        });
    }

    /// <summary>
    /// SHA-256 over the metadata (sorted by key, without the checksum itself), each tensor's name
    /// and shape (sorted by name) and the tensors' data in file order: what the file means,
    /// independent of how its JSON header is laid out.
    /// </summary>
    public static string Checksum(IReadOnlyDictionary<string, string> metadata, IEnumerable<(string Name, int[] Shape, float[] Data)> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(s));
            hash.AppendData([0]);
        }
        foreach (var (key, value) in metadata.Where(kv => kv.Key != ChecksumKey).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Text(key);
            Text(value);
        }
        var list = tensors.ToList();
        foreach (var (name, shape, _) in list.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            Text(name);
            Text(string.Join(",", shape));
        }
        foreach (var (_, _, data) in list) hash.AppendData(MemoryMarshal.AsBytes(data.AsSpan()));
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Reads a whole file. Anything malformed — too short, a header that is not JSON, a dtype
    /// other than F32, byte ranges that do not match the shapes or the file, contents that do not
    /// match the file's <see cref="ChecksumKey"/> — is an <see cref="InvalidDataException"/> that
    /// names the file and the problem. (A file without a checksum, written by another tool or
    /// an older gfs, is read as it is.)
    /// </summary>
    public static (Dictionary<string, StoredTensor> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No such file: {path}", path);
        var bytes = File.ReadAllBytes(path);
        InvalidDataException Bad(string why) => Invalid(path, why);

        long headerLength = HeaderLength(path, bytes.AsSpan(0, Math.Min(8, bytes.Length)), bytes.Length);
        var header = ParseHeader(path, bytes.AsSpan(8, (int)headerLength));
        long dataStart = 8 + headerLength;
        long dataLength = bytes.Length - dataStart;

        var metadata = Metadata(path, header);
        var tensors = new Dictionary<string, StoredTensor>();
        var inFileOrder = new List<(long Offset, string Name)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            try
            {
                var entry = node as JsonObject ?? throw Bad($"entry '{name}' is not an object");
                string dtype = entry["dtype"]?.GetValue<string>() ?? throw Bad($"entry '{name}' has no dtype");
                if (dtype != "F32") throw Bad($"tensor '{name}' has dtype {dtype}; gfs reads only F32");
                var shape = (entry["shape"] as JsonArray ?? throw Bad($"entry '{name}' has no shape")).Select(d => d!.GetValue<int>()).ToArray();
                var offsets = (entry["data_offsets"] as JsonArray ?? throw Bad($"entry '{name}' has no data_offsets")).Select(d => d!.GetValue<long>()).ToArray();
                if (shape.Any(d => d < 0)) throw Bad($"tensor '{name}' has a negative extent");
                long count = shape.Aggregate(1L, (a, d) => a * d);
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != 4 * count)
                    throw Bad($"tensor '{name}' of shape {Shapes.Format(shape)} has byte range [{string.Join(", ", offsets)}], " +
                              $"which does not fit its {4 * count} bytes or the {dataLength} bytes of data");
                var data = new float[count];
                MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(dataStart + offsets[0]), (int)(4 * count))).CopyTo(data);
                tensors[name] = new StoredTensor(shape, data);
                inFileOrder.Add((offsets[0], name));
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw Bad($"entry '{name}' is malformed ({e.Message})");
            }
        }
        if (metadata.TryGetValue(ChecksumKey, out var stored))
        {
            string actual = Checksum(metadata, inFileOrder.OrderBy(t => t.Offset).Select(t => (t.Name, tensors[t.Name].Shape, tensors[t.Name].Data)));
            if (actual != stored)
                throw new InvalidDataException($"{path} is damaged: its contents do not match the checksum in its header " +
                                               $"(stored {Short(stored)}, computed {Short(actual)}); it was changed after gfs wrote it.");
        }
        return (tensors, metadata);
    }

    private static string Short(string checksum) => checksum.Length > 19 ? checksum[..19] + "…" : checksum;

    /// <summary>
    /// Reads only the "__metadata__" of a file (its header), not the tensors: enough to see what
    /// kind of checkpoint a file is and with which settings it was made. Refuses what
    /// <see cref="Load"/> refuses in the header.
    /// </summary>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No such file: {path}", path);
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[8];
        int read = file.ReadAtLeast(start, 8, throwOnEndOfStream: false);
        long headerLength = HeaderLength(path, start[..read], file.Length);
        var header = new byte[headerLength];
        file.ReadExactly(header);
        return Metadata(path, ParseHeader(path, header));
    }

    private static InvalidDataException Invalid(string path, string why) => new($"{path} is not a valid safetensors file: {why}.");

    /// <summary>The header length the first 8 bytes give, checked against the file's length.</summary>
    private static long HeaderLength(string path, ReadOnlySpan<byte> start, long fileLength)
    {
        if (start.Length < 8) throw Invalid(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(start);
        if (headerLength > MaxHeaderBytes || 8 + (long)headerLength > fileLength)
            throw Invalid(path, $"the header claims {headerLength} bytes but the file has {fileLength}");
        return (long)headerLength;
    }

    private static JsonObject ParseHeader(string path, ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw Invalid(path, "the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"the header is not valid JSON ({e.Message})");
        }
    }

    /// <summary>The string pairs of the header's "__metadata__" entry (none if absent).</summary>
    private static Dictionary<string, string> Metadata(string path, JsonObject header)
    {
        var metadata = new Dictionary<string, string>();
        try
        {
            if (header["__metadata__"] is JsonObject meta)
                foreach (var (k, v) in meta) metadata[k] = v?.GetValue<string>() ?? "";
        }
        catch (InvalidOperationException e)
        {
            // A value that is not a string, or a string whose bytes are not valid UTF-8.
            throw Invalid(path, $"its metadata is malformed ({e.Message.TrimEnd('.')})");
        }
        return metadata;
    }

    /// <summary>
    /// Copies saved values into <paramref name="targets"/>, after checking that every target has
    /// an entry of its exact shape: a mismatch names the first offending key, and nothing is
    /// changed unless everything matches.
    /// </summary>
    public static void LoadInto(IReadOnlyDictionary<string, StoredTensor> saved, IEnumerable<(string Name, Tensor Value)> targets)
    {
        var list = targets.ToList();
        foreach (var (name, t) in list)
        {
            if (!saved.TryGetValue(name, out var entry))
                throw new InvalidDataException($"The saved state has no entry '{name}'.");
            if (!Shapes.Equal(entry.Shape, t.Shape))
                throw new InvalidDataException(
                    $"'{name}' has shape {Shapes.Format(entry.Shape)} in the saved state but {Shapes.Format(t.Shape)} in the model.");
        }
        foreach (var (name, t) in list) t.Load(saved[name].Data);
    }
}
