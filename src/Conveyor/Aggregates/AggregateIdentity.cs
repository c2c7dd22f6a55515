using System.Globalization;
using System.Text.Json;

namespace Conveyor.Aggregates;

/// <summary>
/// How an identifier value becomes the string an aggregate is stored, streamed and partitioned by: its invariant
/// text; several identifiers make a JSON array of their texts, which no two different tuples share.
/// </summary>
internal static class AggregateIdentity
{
    public static string? Format(object? value) => value switch
    {
        null => null,
        string text => text.Length == 0 ? null : text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public static string Join(string[] parts) => parts.Length == 1 ? parts[0] : JsonSerializer.Serialize(parts);
}
