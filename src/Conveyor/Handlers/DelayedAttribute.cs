using System.Globalization;

namespace Conveyor;

/// <summary>
/// Delivers every message to this asynchronous handler a fixed time after it was sent:
/// a reminder, a saga timeout. The delay really waits on every channel, without holding other messages: a channel that
/// cannot wait that long itself hands the message to the scheduler (see docs/concepts.md for which delays survive a
/// restart). A due time set by the sender (<see cref="MessageHeaderNames.DeliverAt"/>) wins.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DelayedAttribute : Attribute
{
    /// <summary>Delays by <paramref name="milliseconds"/>.</summary>
    /// <param name="milliseconds">The delay in milliseconds.</param>
    public DelayedAttribute(long milliseconds) => Delay = TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>Delays by <paramref name="duration"/>, a <see cref="TimeSpan"/> in its invariant form (<c>"00:10:00"</c>, <c>"1.00:00:00"</c>).</summary>
    /// <param name="duration">The delay.</param>
    public DelayedAttribute(string duration) =>
        Delay = TimeSpan.TryParse(duration, CultureInfo.InvariantCulture, out var delay) ? delay : TimeSpan.MinValue;

    /// <summary>The delay; <see cref="TimeSpan.MinValue"/> when the duration could not be read (a start-up error).</summary>
    public TimeSpan Delay { get; }
}
