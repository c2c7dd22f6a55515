using System.Diagnostics;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>Adding attributes to a span that was just started, without boxing the common small numbers.</summary>
internal static class ActivityTags
{
    // Attempt numbers and small body sizes: boxed once for the process rather than once per span.
    private static readonly object[] SmallInts = [.. Enumerable.Range(0, 256).Select(i => (object)i)];

    /// <summary>Adds the attribute when <paramref name="value"/> is not null (<see cref="Activity.AddTag(string, string?)"/> would add a null).</summary>
    public static void AddTagIfPresent(this Activity activity, string name, string? value)
    {
        if (value is not null)
        {
            activity.AddTag(name, value);
        }
    }

    /// <summary><paramref name="value"/> boxed: a shared box for 0–255, else a new one.</summary>
    public static object Boxed(int value) => (uint)value < (uint)SmallInts.Length ? SmallInts[value] : value;
}
