using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace GanFromScratch.Gan.Artifacts;

/// <summary>
/// One self-contained HTML page for one run or several side by side: each run's settings as a
/// table, one chart (inline SVG) per metric with a line per run that has it, and each run's frames
/// as a player (play, pause, a slider over the iterations; the images inlined), its last frame the
/// final picture. No script or image comes from elsewhere: the page opens without a network.
/// </summary>
public static class RunReport
{
    private static readonly string[] LineColours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"];

    public static string Html(IReadOnlyList<RunRecord> runs)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gfs report</title><style>")
            .Append("body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}")
            .Append(".charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #ddd}.player img{max-width:640px;display:block}.player img[hidden]{display:none}")
            .Append("</style></head><body>\n<h1>gfs report</h1>\n");
        page.Append("<h2>Runs</h2><table><tr><th>run</th><th>variant</th><th>dataset</th><th>iterations</th><th>state</th></tr>");
        for (int r = 0; r < runs.Count; r++)
            page.Append($"<tr><td style=\"color:{LineColours[r % LineColours.Length]}\">■ {E(Name(runs[r]))}</td><td>{E(runs[r].Config.Variant)}</td><td>{E(runs[r].Config.Dataset)}</td>" +
                        $"<td>{runs[r].Done}/{runs[r].Config.Iters}</td><td>{E(runs[r].State.ToString().ToLowerInvariant())}</td></tr>");
        page.Append("</table>\n<h2>Metrics</h2><div class=\"charts\">\n");
        var metrics = runs.SelectMany(r => r.Evaluations.SelectMany(l => l.Where(kv => kv.Value is JsonValue v && v.TryGetValue<double>(out _)).Select(kv => kv.Key)))
            .Where(k => k is not "iter" and not "time_s").Distinct().ToList();
        // A floor (w1_floor, js1_floor: the measure of real data against itself) is drawn in its metric's chart.
        metrics.RemoveAll(k => k.EndsWith(FloorSuffix, StringComparison.Ordinal) && metrics.Contains(k[..^FloorSuffix.Length]));
        foreach (var metric in metrics) page.Append(Chart(metric, runs)).Append('\n');
        page.Append("</div>\n");
        for (int r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            page.Append($"<h2>{E(Name(run))}</h2>\n<h3>Settings</h3><table>");
            foreach (var (key, value) in JsonNode.Parse(run.Config.ToJson())!.AsObject())
                page.Append($"<tr><th>{E(key)}</th><td>{E(value?.ToJsonString() ?? "null")}</td></tr>");
            page.Append("</table>\n");
            page.Append(TextSamples(run));
            string frames = Path.Combine(run.Path, TrainingRun.FramesFolder);
            var pictures = Directory.Exists(frames) ? Directory.EnumerateFiles(frames, "iter_*.png").Order(StringComparer.Ordinal).ToList() : [];
            if (pictures.Count == 0) continue;
            string caption = run.Config.Rules.NeedsLabels ? (run.Config.Kind == Data.DataKind.Images ? " (one class per row: row k asked for class k)" : " (colours: the label asked for)") : "";
            page.Append($"<h3>Frames{E(caption)}</h3><div class=\"player\" id=\"player{r}\" data-current=\"0\" data-count=\"{pictures.Count}\">")
                .Append($"<button class=\"play\">pause</button> <input type=\"range\" min=\"0\" max=\"{pictures.Count - 1}\" value=\"0\"> <span class=\"label\"></span>");
            foreach (var (png, i) in pictures.Select((p, i) => (p, i)))
                page.Append($"<img alt=\"{E(Path.GetFileName(png))}\" data-name=\"{E(Path.GetFileNameWithoutExtension(png))}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(png))}\"{(i == 0 ? "" : " hidden")}>");
            page.Append("</div>\n");
            page.Append($"<h3>Final picture ({E(Path.GetFileNameWithoutExtension(pictures[^1]))})</h3><img style=\"max-width:640px\" alt=\"final\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(pictures[^1]))}\">\n");
        }
        page.Append(Script).Append("</body></html>\n");
        return page.ToString();
    }

    /// <summary>A text run's samples: the first lines of each evaluation's samples/iter_NNNNNN.txt (at most 12 evaluations, evenly spread), as a table.</summary>
    private static string TextSamples(RunRecord run)
    {
        string folder = Path.Combine(run.Path, Data.TextData.SamplesFolder);
        var files = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "iter_*.txt").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) return "";
        const int shown = 12, lines = 5;
        var picked = files.Count <= shown ? files : [.. Enumerable.Range(0, shown).Select(i => files[i * (files.Count - 1) / (shown - 1)])];
        var html = new StringBuilder($"<h3>Samples (the first {lines} of each evaluation's lines, most likely character at each position)</h3><table class=\"samples\">");
        foreach (var file in picked)
            html.Append($"<tr><th>{E(Path.GetFileNameWithoutExtension(file))}</th><td><pre>{E(string.Join("\n", File.ReadLines(file, Encoding.UTF8).Take(lines)))}</pre></td></tr>");
        return html.Append("</table>\n").ToString();
    }

    private static string Name(RunRecord run) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Path)));

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    private const string FloorSuffix = "_floor";

    /// <summary>
    /// A line chart of <paramref name="metric"/> over the iterations, one line per run that logged it, and
    /// a dashed level where a run logged the metric's floor (<c>w1_floor</c>: real data against itself).
    /// </summary>
    private static string Chart(string metric, IReadOnlyList<RunRecord> runs)
    {
        const double width = 420, height = 220, left = 56, right = 10, top = 34, bottom = 30;
        static bool Finite(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d);
        var lines = runs.Select(r => r.Evaluations.Where(l => Finite(l[metric]))
            .Select(l => (X: TrainingRun.Number(l["iter"]!), Y: TrainingRun.Number(l[metric]!))).ToList()).ToList();
        var floors = runs.Select(r => r.Evaluations.FirstOrDefault(l => Finite(l[metric + FloorSuffix])) is { } f
            ? TrainingRun.Number(f[metric + FloorSuffix]!) : (double?)null).ToList();
        var all = lines.SelectMany(l => l).Concat(lines.SelectMany((l, r) => l.Count > 0 && floors[r] is { } y ? new[] { (X: l[0].X, Y: y) } : [])).ToList();
        var d = MetricNames.Describe(metric);
        var svg = new StringBuilder($"<svg class=\"chart\" data-metric=\"{E(metric)}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\">");
        svg.Append($"<text x=\"{width / 2}\" y=\"16\" text-anchor=\"middle\" font-size=\"12\">{E(d.Label)}</text>");
        if (all.Count == 0) return svg.Append("</svg>").ToString();
        double x0 = all.Min(p => p.X), x1 = all.Max(p => p.X), y0 = d.AtLeastZero ? 0 : all.Min(p => p.Y), y1 = all.Max(p => p.Y);
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) y1 = y0 + 1;
        double X(double x) => left + (x - x0) / (x1 - x0) * (width - left - right);
        double Y(double y) => height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom);
        svg.Append($"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" fill=\"#fafafa\" stroke=\"#999\"/>");
        foreach (var y in new[] { y0, (y0 + y1) / 2, y1 })
            svg.Append($"<text x=\"{left - 4}\" y=\"{N(Y(y) + 4)}\" text-anchor=\"end\" font-size=\"10\">{E(TrainingRun.Format(y))}</text>");
        foreach (var x in new[] { x0, x1 })
            svg.Append($"<text x=\"{N(X(x))}\" y=\"{height - bottom + 14}\" text-anchor=\"middle\" font-size=\"10\">{E(TrainingRun.Format(x))}</text>");
        svg.Append($"<text x=\"{width / 2}\" y=\"{height - 4}\" text-anchor=\"middle\" font-size=\"10\">iteration</text>");
        for (int r = 0; r < lines.Count; r++)
        {
            if (lines[r].Count == 0) continue;
            string colour = LineColours[r % LineColours.Length];
            svg.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{string.Join(' ', lines[r].Select(p => $"{N(X(p.X))},{N(Y(p.Y))}"))}\"><title>{E(Name(runs[r]))}</title></polyline>");
            foreach (var p in lines[r]) svg.Append($"<circle cx=\"{N(X(p.X))}\" cy=\"{N(Y(p.Y))}\" r=\"2.5\" fill=\"{colour}\"/>");
            if (floors[r] is { } floor)
                svg.Append($"<line class=\"floor\" x1=\"{left}\" x2=\"{width - right}\" y1=\"{N(Y(floor))}\" y2=\"{N(Y(floor))}\" stroke=\"{colour}\" " +
                           $"stroke-dasharray=\"5 4\"><title>{E(Name(runs[r]))}: {E(metric + FloorSuffix)} {E(TrainingRun.Format(floor))}, real data against itself</title></line>");
        }
        return svg.Append("</svg>").ToString();
    }

    // The players: each shows one frame at a time, playing on its own until paused; the slider picks a frame.
    private const string Script = """
<script>
for (const player of document.querySelectorAll('.player')) {
  const images = player.querySelectorAll('img'), slider = player.querySelector('input'), button = player.querySelector('.play'), label = player.querySelector('.label');
  let timer = null;
  const show = i => { images.forEach((im, k) => im.hidden = k !== i); slider.value = i; player.dataset.current = i; label.textContent = images[i].dataset.name; };
  const play = () => { timer = setInterval(() => show((+player.dataset.current + 1) % images.length), 400); button.textContent = 'pause'; };
  const pause = () => { clearInterval(timer); timer = null; button.textContent = 'play'; };
  button.onclick = () => timer ? pause() : play();
  slider.oninput = () => { pause(); show(+slider.value); };
  show(0);
  if (images.length > 1) play();
}
</script>
""";
}
