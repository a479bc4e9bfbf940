using System.Buffers.Binary;
using System.IO.Compression;

namespace GanFromScratch.Gan.Data;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: two zero bytes, a type byte (0x08: unsigned bytes),
/// the number of dimensions, each dimension as a big-endian int32, then the data in row-major
/// order. Files may be gzip-compressed (recognised by their first two bytes, 1f 8b).
/// </summary>
public static class Idx
{
    /// <summary>Reads an IDX file of unsigned bytes; every malformed case names the file and what is wrong.</summary>
    public static (int[] Shape, byte[] Data) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist.", path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: the gzip data is damaged or truncated ({e.Message}).", e);
        }
        return Parse(path, bytes);
    }

    private static (int[] Shape, byte[] Data) Parse(string path, byte[] bytes)
    {
        if (bytes.Length < 4)
            throw new InvalidDataException($"{path}: {bytes.Length} bytes is too short for an IDX header (at least 4).");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{path} is not an IDX file: it should start with two zero bytes, not {bytes[0]:x2} {bytes[1]:x2}.");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"{path}: IDX data type 0x{bytes[2]:x2} is not supported (only 0x08, unsigned bytes, as MNIST uses).");
        int rank = bytes[3];
        if (rank < 1 || bytes.Length < 4 + 4 * rank)
            throw new InvalidDataException($"{path}: the header declares {rank} dimensions but the file ends inside it.");
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (shape[i] < 0) throw new InvalidDataException($"{path}: dimension {i} is negative ({shape[i]}).");
            count *= shape[i];
        }
        long have = bytes.Length - (4 + 4 * rank);
        if (have != count)
            throw new InvalidDataException(
                $"{path}: the header promises {count:N0} values ({string.Join("×", shape)}) but the file holds {have:N0}" +
                (have < count ? " (truncated)." : " (trailing data)."));
        return (shape, bytes[(4 + 4 * rank)..]);
    }

    /// <summary>Writes an IDX file of unsigned bytes (gzip-compressed when the name ends in .gz): for tests and for users' own data.</summary>
    public static void Write(string path, int[] shape, byte[] data)
    {
        using var file = File.Create(path);
        using Stream output = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        output.Write([0, 0, 0x08, (byte)shape.Length]);
        Span<byte> dim = stackalloc byte[4];
        foreach (int d in shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(dim, d);
            output.Write(dim);
        }
        output.Write(data);
    }
}
