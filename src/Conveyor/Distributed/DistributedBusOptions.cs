namespace Conveyor;

/// <summary>How this service sends through a distributed bus; the map itself is shared, these settings are this service's.</summary>
public sealed class DistributedBusOptions
{
    /// <summary>
    /// A channel of this service every message of the bus goes to first, to be forwarded to its service's channel when
    /// this service consumes it — an outbox in front of the bus: with a database channel, what a handler sends is stored
    /// in its transaction, and a broker outage delays the forwarding instead of failing the handler. Null (the default):
    /// messages go to the services' channels directly.
    /// </summary>
    public string? AsynchronousChannel { get; set; }
}
