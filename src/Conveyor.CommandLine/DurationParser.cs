using System.Globalization;

namespace Conveyor.Hosting.CommandLine;

/// <summary>Reads durations given on the command line: <c>00:00:30</c>, <c>30</c> (seconds), or <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>.</summary>
internal static class DurationParser
{
    private static readonly (string Suffix, double Seconds)[] Units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];

    public const string Formats = "a TimeSpan like 00:00:30, a number of seconds like 30, or 500ms, 30s, 5m, 2h";

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
        }

        var (number, scale) = (text, 1.0);
        foreach (var (suffix, seconds) in Units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                (number, scale) = (text[..^suffix.Length], seconds);
                break;
            }
        }

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0) || value * scale > TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }
}
