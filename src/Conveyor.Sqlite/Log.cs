using Microsoft.Extensions.Logging;

namespace Conveyor.Sqlite;

/// <summary>The SQLite stores' log messages (event ids 50xx).</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Information, "SQLite database {Path} migrated from schema version {From} to {To}")]
    public static partial void Migrated(ILogger logger, string path, int from, int to);

    [LoggerMessage(5010, LogLevel.Warning, "Scheduled message {MessageId} for channel {Channel} could not be delivered (attempt {Attempt}); it stays scheduled and is tried again in {RetryIn}")]
    public static partial void SchedulerDeliveryFailed(ILogger logger, Exception exception, string? messageId, string channel, int attempt, TimeSpan retryIn);

    [LoggerMessage(5011, LogLevel.Warning, "The scheduler lost the lease of {Count} scheduled messages in {Path} to another instance, which delivers them; a delivery slower than the lease may have been sent twice")]
    public static partial void SchedulerLeaseLost(ILogger logger, int count, string path);

    [LoggerMessage(5012, LogLevel.Error, "The scheduler cannot read {Path}; it keeps trying with a back-off")]
    public static partial void SchedulerPollFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(5013, LogLevel.Information, "The scheduler reads {Path} again after {Failures} failed polls")]
    public static partial void SchedulerRecovered(ILogger logger, string path, int failures);

    [LoggerMessage(5014, LogLevel.Warning, "The scheduler could not hand back its leased messages in {Path} when it stopped; they are delivered once the lease runs out")]
    public static partial void SchedulerReleaseFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(5020, LogLevel.Debug, "Removed {Count} expired deduplication keys from {Path}")]
    public static partial void CleanupRemoved(ILogger logger, int count, string path);

    [LoggerMessage(5021, LogLevel.Warning, "Removing expired deduplication keys from {Path} failed; it is tried again with a back-off")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(5022, LogLevel.Information, "Removing expired deduplication keys from {Path} works again after {Failures} failures")]
    public static partial void CleanupRecovered(ILogger logger, string path, int failures);
}
