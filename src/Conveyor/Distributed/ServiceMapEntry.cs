using Conveyor.Runtime;

namespace Conveyor;

/// <summary>One service of a <see cref="ServiceMap"/>: the channel its messages go to and which events it wants.</summary>
public sealed class ServiceMapEntry
{
    /// <summary>The channel this service consumes and other services send to (for Kafka: its topic's channel).</summary>
    public string Channel { get; set; } = "";

    /// <summary>
    /// Routing-key patterns of the events this service wants (<c>*</c> matches any run of characters, e.g.
    /// <c>user.*</c>). Empty: every event.
    /// </summary>
    public IList<string> SubscriptionKeys { get; } = [];

    /// <summary>The only services whose events this service accepts. Empty: no such rule. Excludes <see cref="ExcludedPublishers"/>.</summary>
    public IList<string> IncludedPublishers { get; } = [];

    /// <summary>Services whose events this service never accepts. Empty: no such rule. Excludes <see cref="IncludedPublishers"/>.</summary>
    public IList<string> ExcludedPublishers { get; } = [];

    /// <summary>Whether this service wants an event with <paramref name="routingKey"/> published by <paramref name="publisher"/>.</summary>
    internal bool Wants(string publisher, string routingKey) =>
        (SubscriptionKeys.Count == 0 || SubscriptionKeys.Any(pattern => RoutingPattern.Matches(pattern, routingKey)))
        && (IncludedPublishers.Count == 0 || IncludedPublishers.Contains(publisher, StringComparer.Ordinal))
        && !ExcludedPublishers.Contains(publisher, StringComparer.Ordinal);
}
