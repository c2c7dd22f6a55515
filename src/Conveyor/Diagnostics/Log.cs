using Microsoft.Extensions.Logging;

namespace Conveyor.Diagnostics;

/// <summary>Conveyor core's log messages. Event ids: 1xxx receiving, 2xxx failures, 3xxx consumers and hosting, 4xxx sending and scheduling (5xxx belongs to Conveyor.Sqlite).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Skipped duplicate message {MessageId} on endpoint {EndpointId}: key {Key} was handled already")]
    public static partial void DuplicateSkipped(ILogger logger, string? messageId, string endpointId, string key);

    [LoggerMessage(1002, LogLevel.Debug, "Fanned out message {MessageId} on channel {Channel} to {Count} endpoints")]
    public static partial void FannedOut(ILogger logger, string? messageId, string channel, int count);

    [LoggerMessage(1020, LogLevel.Warning, "A batch of {Count} messages failed on endpoint {EndpointId}; handling each alone, in order")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string endpointId, int count);

    [LoggerMessage(2001, LogLevel.Warning, "Endpoint {EndpointId} failed on message {MessageId} (attempt {Attempt}); retrying in {Delay}")]
    public static partial void RetryScheduled(ILogger logger, Exception exception, string endpointId, string? messageId, int attempt, TimeSpan delay);

    [LoggerMessage(2002, LogLevel.Error, "Message {MessageId} from {Position} finally failed on endpoint {EndpointId} after {Attempts} attempt(s); sending it to {Destination}")]
    public static partial void FinallyFailed(ILogger logger, Exception exception, string? messageId, string position, string endpointId, int attempts, string destination);

    [LoggerMessage(2003, LogLevel.Error, "Could not hand message {MessageId} to {Destination}; applying final failure strategy {Strategy}")]
    public static partial void FailureDestinationFailed(ILogger logger, Exception exception, string? messageId, string destination, FinalFailureStrategy strategy);

    [LoggerMessage(2004, LogLevel.Warning, "Message {MessageId} from {Position}: final failure strategy {Strategy}")]
    public static partial void FinalStrategyApplied(ILogger logger, string? messageId, string position, FinalFailureStrategy strategy);

    [LoggerMessage(2005, LogLevel.Debug, "Endpoint {EndpointId} failed on message {MessageId}; instant retry {Retry}")]
    public static partial void InstantRetry(ILogger logger, Exception exception, string endpointId, string? messageId, int retry);

    [LoggerMessage(3001, LogLevel.Information, "Consumer {Name} started")]
    public static partial void ConsumerStarted(ILogger logger, string name);

    [LoggerMessage(3002, LogLevel.Information, "Consumer {Name} stopped after {Completed} message(s)")]
    public static partial void ConsumerStopped(ILogger logger, string name, long completed);

    [LoggerMessage(3003, LogLevel.Error, "Consumer {Name} crashed; restarting in {Delay}")]
    public static partial void ConsumerCrashed(ILogger logger, Exception exception, string name, TimeSpan delay);

    [LoggerMessage(3005, LogLevel.Critical, "Consumer {Name} cannot run and is not restarted; fix the configuration and restart the host")]
    public static partial void ConsumerFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(3004, LogLevel.Warning, "Consumer {Name} stopped on message {MessageId} by its final failure strategy")]
    public static partial void ConsumerStoppedOnMessage(ILogger logger, string name, string? messageId);

    [LoggerMessage(4001, LogLevel.Warning, "Scheduled message {MessageId} could not be sent to channel {Channel}; trying again in {Delay}")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception, string? messageId, string channel, TimeSpan delay);

    [LoggerMessage(4002, LogLevel.Debug, "Message {MessageId} to channel {Channel} is due at {DueAt}, later than the channel can wait; it goes to the scheduler")]
    public static partial void Scheduled(ILogger logger, string? messageId, string channel, DateTimeOffset dueAt);

    [LoggerMessage(3006, LogLevel.Warning, "Conveyor's consumers did not stop before the host's shutdown timeout ran out; their in-flight messages were not acknowledged and will be delivered again")]
    public static partial void StopTimedOut(ILogger logger);

    [LoggerMessage(3007, LogLevel.Error, "Consumer {Name} failed while the host was stopping")]
    public static partial void ConsumerFailedWhileStopping(ILogger logger, Exception exception, string name);

    [LoggerMessage(3050, LogLevel.Warning, "Consumer {Name} paused: it hands out no new message until it is resumed")]
    public static partial void ConsumerPaused(ILogger logger, string name);

    [LoggerMessage(3051, LogLevel.Information, "Consumer {Name} resumed")]
    public static partial void ConsumerResumed(ILogger logger, string name);

    [LoggerMessage(3008, LogLevel.Warning, "Channel {Channel} ({Kind}) is registered but nothing uses it: no endpoint consumes it and no OutputChannel or ErrorChannel names it. Remove the registration, or name the channel where it is meant to be used ([Asynchronous(\"{Channel}\")], OutputChannel, [ErrorChannel])")]
    public static partial void UnusedChannel(ILogger logger, string channel, string kind);

    [LoggerMessage(1011, LogLevel.Warning, "Database channel {Channel} lost the lease of {Count} message(s) to another consumer, which delivers them; a handler slower than the lease may have handled one twice. Raise the channel's LeaseDuration above the slowest handler")]
    public static partial void DatabaseChannelLeaseLost(ILogger logger, string channel, int count);

    [LoggerMessage(1012, LogLevel.Warning, "Database channel {Channel} rolled back a batch transaction holding {Acknowledged} handled message(s): they and the rest of their batch are delivered again, and none of their effects was kept")]
    public static partial void DatabaseChannelBatchRolledBack(ILogger logger, Exception? error, string channel, int acknowledged);

    [LoggerMessage(1010, LogLevel.Debug, "Message {MessageId} for endpoint {EndpointId} received on channel {Channel} goes on to channel {Next}")]
    public static partial void ForwardedInChain(ILogger logger, string? messageId, string endpointId, string channel, string next);
}
