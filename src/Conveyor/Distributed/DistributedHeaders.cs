namespace Conveyor.Distributed;

/// <summary>
/// The headers the distributed bus adds to what it sends, beside the routing key, message name and kind. Part of the
/// wire contract between services: they never change.
/// </summary>
internal static class DistributedHeaders
{
    /// <summary>The service map the message was sent through; marks a message as distributed.</summary>
    public const string Map = "conveyor.distributed.map";

    /// <summary>The service that sent the message.</summary>
    public const string Source = "conveyor.distributed.source";

    /// <summary>
    /// On a message waiting in the sender's asynchronous channel (<see cref="DistributedBusOptions.AsynchronousChannel"/>):
    /// the channel it is forwarded to once received from there.
    /// </summary>
    public const string ForwardTo = "conveyor.distributed.forwardTo";
}
