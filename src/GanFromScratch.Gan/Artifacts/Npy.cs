using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>An array read from a .npy file: its extents and its values (as floats, whatever the stored type).</summary>
public sealed record NpyArray(int[] Shape, float[] Values, string Descr);

/// <summary>
/// NumPy's .npy format, version 1.0: the magic <c>\x93NUMPY</c>, the version, a little-endian
/// 16-bit header length, an ASCII header — a Python dict literal naming the dtype, the order and
/// the shape — padded with spaces and a newline so that the data starts on a multiple of 64, then
/// the raw data in C order. <c>np.load</c> reads what <see cref="Write(string, byte[], int[])"/>
/// writes; what other scorers (pytorch-fid, torch-fidelity, a user's classifier) read.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes bytes (dtype uint8, <c>|u1</c>) of the given shape, atomically.</summary>
    public static void Write(string path, byte[] data, int[] shape) => Write(path, "|u1", shape, data);

    /// <summary>Writes 64-bit integers (dtype <c>&lt;i8</c>) of the given shape, atomically.</summary>
    public static void Write(string path, long[] data, int[] shape)
    {
        var bytes = new byte[8 * data.Length];
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), data[i]);
        Write(path, "<i8", shape, bytes);
    }

    /// <summary>Writes 32-bit floats (dtype <c>&lt;f4</c>) of the given shape, atomically.</summary>
    public static void Write(string path, float[] data, int[] shape)
    {
        var bytes = new byte[4 * data.Length];
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), data[i]);
        Write(path, "<f4", shape, bytes);
    }

    /// <summary>The header dict for a C-order array of the given dtype and shape, padded so that the data is 64-byte aligned.</summary>
    public static string Header(string descr, int[] shape)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = Magic.Length + 2 + 2 + dict.Length + 1; // magic, version, length, dict, newline
        return dict + new string(' ', (64 - total % 64) % 64) + "\n";
    }

    private static void Write(string path, string descr, int[] shape, byte[] data)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        int size = descr switch { "|u1" => 1, "<f4" => 4, _ => 8 };
        if (count * size != data.Length) throw new ArgumentException($"{data.Length} bytes are not an array {string.Join("×", shape)} of {descr}.");
        var header = Encoding.ASCII.GetBytes(Header(descr, shape));
        AtomicFile.Write(path, temp =>
        {
            using var file = File.Create(temp);
            file.Write(Magic);
            file.Write([1, 0]);
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            file.Write(length);
            file.Write(header);
            file.Write(data);
        });
    }

    /// <summary>
    /// Reads a .npy file of uint8, float32 or integer values in C order (what a scorer's samples
    /// are); anything else is refused naming the file and what it holds.
    /// </summary>
    public static NpyArray Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        InvalidDataException Bad(string why) => new($"{path} is not a .npy array gfs reads: {why}.");
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic)) throw Bad("it does not start with NumPy's magic \\x93NUMPY");
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int start = major == 1 ? 10 : 12;
        if (start + headerLength > bytes.Length) throw Bad("its header is cut short");
        string header = Encoding.ASCII.GetString(bytes, start, headerLength);
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success) throw Bad($"its header '{header.Trim()}' names no dtype or shape");
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal)) throw Bad("it is in Fortran order");
        int[] dims = [.. shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture))];
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var data = bytes.AsSpan(start + headerLength);
        string type = descr.Groups[1].Value;
        int size = type switch { "|u1" or "<u1" => 1, "<f4" or "<i4" => 4, "<i8" => 8, _ => throw Bad($"its dtype is {type} (gfs reads |u1, <f4, <i4, <i8)") };
        if (data.Length != count * size) throw Bad($"it has {data.Length} bytes of data for {count} values of {type}");
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = type switch
            {
                "|u1" or "<u1" => data[i],
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]),
                _ => BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]),
            };
        return new NpyArray(dims, values, type);
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    /// <summary>Pixels in [0, 1] as the bytes an image file holds: round(255 · clamp(v, 0, 1)), rounding half to even (as NumPy); a NaN is 0.</summary>
    public static byte[] Pixels(float[] values) =>
        [.. values.Select(v => (byte)Math.Round(255 * Math.Clamp(float.IsFinite(v) ? v : 0f, 0f, 1f)))];
}
