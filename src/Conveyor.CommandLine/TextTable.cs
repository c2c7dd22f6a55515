namespace Conveyor.Hosting.CommandLine;

/// <summary>A plain-text table with aligned columns, a header and an underline, for terminals and logs alike.</summary>
internal sealed class TextTable(params string[] headers)
{
    private const string Gap = "  ";
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params string?[] cells) =>
        _rows.Add([.. headers.Select((_, i) => i < cells.Length && !string.IsNullOrEmpty(cells[i]) ? cells[i]! : "-")]);

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        WriteRow(writer, headers, widths);
        WriteRow(writer, [.. widths.Select(w => new string('-', w))], widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var last = cells.Length - 1;
        writer.WriteLine(string.Concat(cells.Select((c, i) => i == last ? c : c.PadRight(widths[i]) + Gap)));
    }
}
