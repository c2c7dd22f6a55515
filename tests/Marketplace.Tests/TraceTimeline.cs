using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Marketplace.Tests;

/// <summary>
/// Draws one trace as an SVG timeline, the way trace viewers (Jaeger, Tempo, Aspire) show it: one row per span in
/// parent-first order, indented by depth, a bar from its start to its end on a shared time axis, coloured by service.
/// </summary>
internal static class TraceTimeline
{
    private const int Width = 1200;
    private const int LabelWidth = 470;
    private const int Row = 30;
    private const int Top = 84;

    private static readonly Dictionary<string, string> Colours = new() { ["marketplace"] = "#4e79a7", ["partner-x"] = "#e15759" };

    public static string Svg(IReadOnlyList<Activity> trace, Activity root, Func<Activity, string> service)
    {
        var rows = new List<(Activity Span, int Depth)>();
        Walk(trace, root, 0, rows);
        var start = trace.Min(s => s.StartTimeUtc);
        var end = trace.Max(s => s.StartTimeUtc + s.Duration);
        var total = Math.Max((end - start).TotalMilliseconds, 1);
        var scale = (Width - LabelWidth - 90) / total;
        var height = Top + (rows.Count * Row) + 40;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">""").AppendLine();
        svg.AppendLine($"""<rect width="{Width}" height="{height}" fill="#ffffff"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="16" y="28" font-size="16" font-weight="bold">One order's trace across two services: {rows.Count} spans, {total:0.0} ms</text>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="16" y="50" fill="#555">trace {root.TraceId}</text>""");
        var legendX = LabelWidth;
        foreach (var (name, colour) in Colours)
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{legendX}" y="40" width="14" height="14" fill="{colour}"/><text x="{legendX + 20}" y="52">{name}</text>""");
            legendX += 140;
        }

        for (var tick = 0; tick <= 4; tick++)
        {
            var x = LabelWidth + (tick * (Width - LabelWidth - 90) / 4.0);
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x:0.0}" y1="{Top - 8}" x2="{x:0.0}" y2="{height - 30}" stroke="#ddd"/><text x="{x:0.0}" y="{height - 12}" text-anchor="middle" fill="#555">{total * tick / 4:0} ms</text>""");
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var (span, depth) = rows[i];
            var y = Top + (i * Row);
            var x = LabelWidth + ((span.StartTimeUtc - start).TotalMilliseconds * scale);
            var w = Math.Max(span.Duration.TotalMilliseconds * scale, 2);
            var colour = Colours.GetValueOrDefault(service(span), "#888");
            var label = $"{span.DisplayName}  ({Kind(span)}, {service(span)})";
            if (i % 2 == 0)
            {
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="0" y="{y - 4}" width="{Width}" height="{Row}" fill="#f6f6f6"/>""");
            }

            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{16 + (depth * 16)}" y="{y + 15}">{WebUtility.HtmlEncode(label)}</text>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{x:0.0}" y="{y + 2}" width="{w:0.0}" height="18" rx="3" fill="{colour}"><title>{WebUtility.HtmlEncode(Tags(span))}</title></rect>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x + w + 6:0.0}" y="{y + 15}" fill="#333">{span.Duration.TotalMilliseconds:0.0} ms</text>""");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Walk(IReadOnlyList<Activity> trace, Activity span, int depth, List<(Activity, int)> rows)
    {
        rows.Add((span, depth));
        foreach (var child in trace.Where(s => s.ParentSpanId == span.SpanId).OrderBy(s => s.StartTimeUtc))
        {
            Walk(trace, child, depth + 1, rows);
        }
    }

    private static string Kind(Activity span) => span.Kind.ToString().ToLowerInvariant();

    private static string Tags(Activity span) => string.Join("\n", span.TagObjects.Select(t => $"{t.Key} = {t.Value}"));
}
