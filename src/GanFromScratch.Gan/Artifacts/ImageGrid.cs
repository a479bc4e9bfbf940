using SkiaSharp;
using GanFromScratch.Nn;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>A grid of grey images as one PNG: images side by side, a thin gap between them, each pixel drawn as a scale×scale block.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Saves <paramref name="pixels"/> (n images of height×width, values in [0, 1], clamped) as a
    /// grid of <paramref name="columns"/> columns. Written to a temporary file first, then renamed.
    /// </summary>
    /// <remarks>Drawn under <see cref="Drawing.Gate"/>: one picture at a time in a process.</remarks>
    public static void Save(string path, float[] pixels, int n, int height, int width, int columns = 8, int scale = 2, int gap = 2)
    {
        lock (Drawing.Gate) Draw(path, pixels, n, height, width, columns, scale, gap);
    }

    private static void Draw(string path, float[] pixels, int n, int height, int width, int columns, int scale, int gap)
    {
        if (pixels.Length != n * height * width)
            throw new ArgumentException($"{pixels.Length} pixels are not {n} images of {height}×{width}.");
        int rows = (n + columns - 1) / columns;
        int cellW = width * scale + gap, cellH = height * scale + gap;
        using var bitmap = new SKBitmap(new SKImageInfo(columns * cellW + gap, rows * cellH + gap, SKColorType.Gray8, SKAlphaType.Opaque));
        var canvas = bitmap.GetPixelSpan();
        var row = bitmap.RowBytes;
        // Background: mid grey, so that black and white images both stand out.
        var bytes = new byte[canvas.Length];
        Array.Fill(bytes, (byte)128);
        for (int k = 0; k < n; k++)
        {
            int x0 = gap + k % columns * cellW, y0 = gap + k / columns * cellH;
            for (int y = 0; y < height * scale; y++)
                for (int x = 0; x < width * scale; x++)
                {
                    float v = pixels[(k * height + y / scale) * width + x / scale];
                    bytes[(y0 + y) * row + x0 + x] = (byte)Math.Round(255 * Math.Clamp(float.IsFinite(v) ? v : 0f, 0f, 1f));
                }
        }
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, temp =>
        {
            using var file = File.Create(temp);
            data.SaveTo(file);
        });
    }
}
