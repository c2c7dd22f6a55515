using Microsoft.Extensions.Logging;

namespace Conveyor.Aggregates;

/// <summary>The aggregates' log messages; event ids 7xxx.</summary>
internal static partial class AggregateLog
{
    [LoggerMessage(7001, LogLevel.Warning, "Endpoint {EndpointId} dropped message {MessageId}: no {Aggregate} has identifier '{Id}' ([AggregateNotFound(Drop)])")]
    public static partial void NotFoundDropped(ILogger logger, string endpointId, string? messageId, string aggregate, string id);
}
