using System.Buffers.Binary;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// Writes the tensors and metadata to <paramref name="path"/> atomically: to a temporary file
    /// beside it, flushed to disk, then renamed over the target, so a crash leaves either the
    /// old file or the new one, never half of one.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var list = tensors.ToList();
        var header = new JsonObject { ["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))) };
        long offset = 0;
        foreach (var (name, t) in list)
        {
            if (name == "__metadata__" || header.ContainsKey(name)) throw new ArgumentException($"Duplicate or reserved tensor name '{name}'.");
            long end = offset + 4L * t.Size;
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

        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
                stream.Write(length);
                stream.Write(headerBytes);
                foreach (var (_, t) in list)
                {
                    var data = t.ToArray();
                    if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian.");
                    stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Reads a whole file. Anything malformed — too short, a header that is not JSON, a dtype
    /// other than F32, byte ranges that do not match the shapes or the file — is an
    /// <see cref="InvalidDataException"/> that names the file and the problem.
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

        var metadata = Metadata(header);
        var tensors = new Dictionary<string, StoredTensor>();
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
                    throw Bad($"tensor '{name}' of shape {Engine.Shape.Format(shape)} has byte range [{string.Join(", ", offsets)}], " +
                              $"which does not fit its {4 * count} bytes or the {dataLength} bytes of data");
                var data = new float[count];
                MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(dataStart + offsets[0]), (int)(4 * count))).CopyTo(data);
                tensors[name] = new StoredTensor(shape, data);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw Bad($"entry '{name}' is malformed ({e.Message})");
            }
        }
        return (tensors, metadata);
    }

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
        return Metadata(ParseHeader(path, header));
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
    private static Dictionary<string, string> Metadata(JsonObject header)
    {
        var metadata = new Dictionary<string, string>();
        if (header["__metadata__"] is JsonObject meta)
            foreach (var (k, v) in meta) metadata[k] = v?.GetValue<string>() ?? "";
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
            if (!Engine.Shape.Equal(entry.Shape, t.Shape))
                throw new InvalidDataException(
                    $"'{name}' has shape {Engine.Shape.Format(entry.Shape)} in the saved state but {Engine.Shape.Format(t.Shape)} in the model.");
        }
        foreach (var (name, t) in list) t.Load(saved[name].Data);
    }
}
