using Microsoft.Extensions.Logging;

namespace Conveyor.Storage;

/// <summary>
/// The log messages of the code every database store package compiles (src/Shared): the same event ids in each
/// package (50xx), so that a dashboard alerting on a scheduler or clean-up failure works whichever store runs.
/// </summary>
internal static partial class StorageLog
{
    [LoggerMessage(5010, LogLevel.Warning, "Scheduled message {MessageId} for channel {Channel} could not be delivered (attempt {Attempt}); it stays scheduled and is tried again in {RetryIn}")]
    public static partial void SchedulerDeliveryFailed(ILogger logger, Exception exception, string? messageId, string channel, int attempt, TimeSpan retryIn);

    [LoggerMessage(5011, LogLevel.Warning, "The scheduler lost the lease of {Count} scheduled messages in {Store} to another instance, which delivers them; a delivery slower than the lease may have been sent twice")]
    public static partial void SchedulerLeaseLost(ILogger logger, int count, string store);

    [LoggerMessage(5012, LogLevel.Error, "The scheduler cannot read {Store}; it keeps trying with a back-off")]
    public static partial void SchedulerPollFailed(ILogger logger, Exception exception, string store);

    [LoggerMessage(5013, LogLevel.Information, "The scheduler reads {Store} again after {Failures} failed polls")]
    public static partial void SchedulerRecovered(ILogger logger, string store, int failures);

    [LoggerMessage(5014, LogLevel.Warning, "The scheduler could not hand back its leased messages in {Store} when it stopped; they are delivered once the lease runs out")]
    public static partial void SchedulerReleaseFailed(ILogger logger, Exception exception, string store);

    [LoggerMessage(5020, LogLevel.Debug, "Removed {Count} expired deduplication keys from {Store}")]
    public static partial void CleanupRemoved(ILogger logger, int count, string store);

    [LoggerMessage(5021, LogLevel.Warning, "Removing expired deduplication keys from {Store} failed; it is tried again with a back-off")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string store);

    [LoggerMessage(5022, LogLevel.Information, "Removing expired deduplication keys from {Store} works again after {Failures} failures")]
    public static partial void CleanupRecovered(ILogger logger, string store, int failures);
}
