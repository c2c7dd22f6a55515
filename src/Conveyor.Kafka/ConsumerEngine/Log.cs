using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Log messages of the Kafka consumer engine. Event ids 3100–3199 belong to this component and never
/// change meaning; add new ones at the end.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3100, LogLevel.Information, "Kafka consumer starting: group {GroupId}, topics {Topics}, ordering {Ordering}")]
    public static partial void Starting(ILogger logger, string? groupId, string topics, KafkaOrderingMode ordering);

    [LoggerMessage(3101, LogLevel.Information, "Kafka consumer stopped ({Reason}) after completing {RecordsCompleted} records")]
    public static partial void Stopped(ILogger logger, ConsumerStopReason reason, long recordsCompleted);

    [LoggerMessage(3102, LogLevel.Information, "Partitions assigned: {Partitions}")]
    public static partial void PartitionsAssigned(ILogger logger, string partitions);

    [LoggerMessage(3103, LogLevel.Information, "Partitions revoked: {Partitions}")]
    public static partial void PartitionsRevoked(ILogger logger, string partitions);

    [LoggerMessage(3104, LogLevel.Warning, "Partitions lost, nothing committed for them: {Partitions}")]
    public static partial void PartitionsLost(ILogger logger, string partitions);

    [LoggerMessage(3105, LogLevel.Debug, "Offsets committed: {Offsets}")]
    public static partial void OffsetsCommitted(ILogger logger, string offsets);

    [LoggerMessage(3106, LogLevel.Warning, "Offset commit failed, will retry: {Offsets}")]
    public static partial void CommitFailed(ILogger logger, string offsets, Exception exception);

    [LoggerMessage(3107, LogLevel.Debug, "{Buffered} records buffered (limit {Limit}): partitions paused")]
    public static partial void Paused(ILogger logger, int buffered, int limit);

    [LoggerMessage(3108, LogLevel.Debug, "{Buffered} records buffered: partitions resumed")]
    public static partial void Resumed(ILogger logger, int buffered);

    [LoggerMessage(3109, LogLevel.Debug, "Record {Topic} [{Partition}] @{Offset} released (attempt {Attempt}), redelivered in {Delay}")]
    public static partial void RecordReleased(ILogger logger, string topic, int partition, long offset, int attempt, TimeSpan delay);

    [LoggerMessage(3110, LogLevel.Warning, "Record {Topic} [{Partition}] @{Offset} asked to stop the consumer; it is not committed")]
    public static partial void StopRequested(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(3111, LogLevel.Error, "Processor failed on record {Topic} [{Partition}] @{Offset}; stopping the consumer without committing it")]
    public static partial void ProcessorFailed(ILogger logger, string topic, int partition, long offset, Exception exception);

    [LoggerMessage(3112, LogLevel.Warning, "Records still in flight after the {Grace} grace period on {Partitions}: cancelling them")]
    public static partial void GraceExpired(ILogger logger, TimeSpan grace, string partitions);

    [LoggerMessage(3113, LogLevel.Warning, "Records on {Partitions} ignored cancellation; abandoned uncommitted, they will be redelivered")]
    public static partial void RecordsAbandoned(ILogger logger, string partitions);

    [LoggerMessage(3114, LogLevel.Warning, "Kafka client error: {Reason} ({Code})")]
    public static partial void ClientError(ILogger logger, string reason, Confluent.Kafka.ErrorCode code);

    [LoggerMessage(3115, LogLevel.Error, "Fatal Kafka client error: {Reason} ({Code}); stopping the consumer")]
    public static partial void FatalError(ILogger logger, string reason, Confluent.Kafka.ErrorCode code);

    [LoggerMessage(3116, LogLevel.Warning, "Consume failed: {Reason} ({Code})")]
    public static partial void ConsumeFailed(ILogger logger, string reason, Confluent.Kafka.ErrorCode code);

    [LoggerMessage(EventId = 3117, Message = "librdkafka {Facility}: {Message}")]
    public static partial void ClientLog(ILogger logger, LogLevel level, string facility, string message);

    [LoggerMessage(3118, LogLevel.Warning, "Consumer observer threw in {Callback}")]
    public static partial void ObserverFailed(ILogger logger, string callback, Exception exception);

    [LoggerMessage(3119, LogLevel.Error, "Rebalance handling failed ({Callback})")]
    public static partial void RebalanceFailed(ILogger logger, string callback, Exception exception);

    [LoggerMessage(3120, LogLevel.Warning, "Closing the Kafka consumer failed")]
    public static partial void CloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(3121, LogLevel.Warning, "Pausing or resuming partitions failed")]
    public static partial void PauseFailed(ILogger logger, Exception exception);

    [LoggerMessage(3122, LogLevel.Warning, "Record {Topic} [{Partition}] @{Offset} arrived for a partition not assigned; skipped")]
    public static partial void UnassignedRecord(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(3140, LogLevel.Debug, "Record {Topic} [{Partition}] @{Offset} arrived while the consumer is paused; put back to be read once resumed")]
    public static partial void RecordHeldBack(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(3123, LogLevel.Warning, "Offset commit failed as the consumer stopped: {Offsets}. Records after the last committed offsets will be delivered again (at least once)")]
    public static partial void CommitFailedOnStop(ILogger logger, string offsets, Exception exception);

    [LoggerMessage(3124, LogLevel.Warning, "{Topic} [{Partition}]: the group's committed offset {Committed} is below the log start offset {LogStart}; {Skipped} records were deleted (retention or size limits) before this group read them")]
    public static partial void RecordsDeletedUnread(ILogger logger, string topic, int partition, long committed, long logStart, long skipped);

    [LoggerMessage(3125, LogLevel.Warning, "Could not read the committed offsets of {Partitions}: records deleted unread are not checked, and librdkafka looks up where they start")]
    public static partial void CommittedReadFailed(ILogger logger, string partitions, Exception exception);

    [LoggerMessage(3126, LogLevel.Information, "Kafka consumer stopping: {InFlight} records in flight get up to {Grace} to finish, then the finished offsets are committed")]
    public static partial void Stopping(ILogger logger, int inFlight, TimeSpan grace);

    [LoggerMessage(3150, LogLevel.Information, "Exactly-once: transactional producer {TransactionalId} initialised; earlier producers with this id are fenced")]
    public static partial void TransactionsStarted(ILogger logger, string transactionalId);

    [LoggerMessage(3151, LogLevel.Warning, "Transactional producer {TransactionalId}: {Code} {Reason} (fatal: {IsFatal})")]
    public static partial void TransactionProducerError(ILogger logger, string transactionalId, ErrorCode code, string reason, bool isFatal);

    [LoggerMessage(3152, LogLevel.Error, "Transactional producer {TransactionalId} could not commit its transaction with offsets {Offsets}")]
    public static partial void TransactionCommitFailed(ILogger logger, string transactionalId, string offsets, Exception exception);

    [LoggerMessage(3153, LogLevel.Warning, "Transactional producer {TransactionalId} aborts its transaction: {Reason}. The consumer stops and restarts from the last committed offsets")]
    public static partial void TransactionAborted(ILogger logger, string transactionalId, string reason);

    [LoggerMessage(3154, LogLevel.Warning, "Transactional producer {TransactionalId}: offsets committed in the transaction are not visible to the group (librdkafka's mock cluster never stores them); from now on they are also committed outside the transaction, after it")]
    public static partial void TransactionOffsetsNotStored(ILogger logger, string transactionalId);

    [LoggerMessage(3155, LogLevel.Warning, "Transactional producer {TransactionalId}: reading or re-committing the offsets of a committed transaction failed")]
    public static partial void TransactionOffsetsCheckFailed(ILogger logger, string transactionalId, Exception exception);

    [LoggerMessage(3156, LogLevel.Warning, "Transactional producer {TransactionalId}: handling {Topic} [{Partition}] @{Offset} made a send to {Destination} that the broker refused for good ({Reason}); the transaction aborts, and the record's next attempt fails that send instead of sending it, so that its failure policy (retry or dead letter) applies")]
    public static partial void TransactionSendRefused(ILogger logger, string transactionalId, string topic, int partition, long offset, string destination, string reason);

    [LoggerMessage(3157, LogLevel.Information, "Transactional producer {TransactionalId}: {Topic} [{Partition}] @{Offset} is handled again after its send to {Destination} was refused ({Reason}); that send fails without reaching the broker")]
    public static partial void TransactionReplaysRefusal(ILogger logger, string transactionalId, string topic, int partition, long offset, string destination, string reason);
}
