using Microsoft.Extensions.Logging;

namespace Conveyor.Sagas;

/// <summary>The sagas' log messages; event ids 71xx.</summary>
internal static partial class SagaLog
{
    [LoggerMessage(7101, LogLevel.Information, "Endpoint {EndpointId} skipped message {MessageId}: saga {Saga} '{Id}' is running already")]
    public static partial void StartedAlready(ILogger logger, string endpointId, string? messageId, string saga, string id);

    [LoggerMessage(7102, LogLevel.Information, "Endpoint {EndpointId} skipped message {MessageId}: saga {Saga} '{Id}' is completed")]
    public static partial void Completed(ILogger logger, string endpointId, string? messageId, string saga, string id);
}
