using System.Text.Json;

namespace GanFromScratch.Tests;

/// <summary>The reference data under Golden/ (written by the scripts in tools/golden/, copied beside the test assembly).</summary>
internal static class GoldenFiles
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", name);

    /// <summary>The root of a golden JSON file.</summary>
    public static JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(PathOf(name))).RootElement;

    /// <summary>The cases of a golden JSON file that is an array of cases.</summary>
    public static JsonElement[] Cases(string name) => [.. Json(name).EnumerateArray()];

    /// <summary>float32 results against PyTorch's in double: within 2e-4 absolute plus 2e-4 relative, element by element.</summary>
    public static void Close(string what, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-4f + 2e-4f * Math.Abs(expected[i]),
                $"{what}, element {i}: PyTorch {expected[i]}, gfs {actual[i]}");
    }
}
