namespace Marketplace.Demo;

/// <summary>Aligned plain-text columns with a header and an underline.</summary>
public sealed class ConsoleTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params object[] cells) => _rows.Add([.. cells.Select(c => c.ToString() ?? "")]);

    public void WriteTo(TextWriter output, string indent = "  ")
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        WriteRow(headers);
        WriteRow([.. widths.Select(w => new string('-', w))]);
        _rows.ForEach(WriteRow);

        void WriteRow(string[] row) =>
            output.WriteLine(indent + string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }
}
