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
}
