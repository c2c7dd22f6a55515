using Microsoft.Extensions.Logging;

namespace Conveyor.Distributed;

/// <summary>The distributed bus's log messages. Event ids 6xxx.</summary>
internal static partial class DistributedLog
{
    [LoggerMessage(6001, LogLevel.Debug, "Distributed event {RoutingKey} from service {Source} (service map {Map}) has no [Distributed] handler here that wants it; acknowledged")]
    public static partial void EventUnwanted(ILogger logger, string routingKey, string source, string map);

    [LoggerMessage(6002, LogLevel.Warning, "Distributed message {MessageId} could not be forwarded to channel {Channel}; it is released, to be forwarded again")]
    public static partial void ForwardFailed(ILogger logger, Exception exception, string? messageId, string channel);
}
