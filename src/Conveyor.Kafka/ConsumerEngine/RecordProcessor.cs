using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Processes one record for the consumer engine. <paramref name="cancellationToken"/> is cancelled when the
/// record's partition is lost, or revoked or shut down past its grace period; a processor that observes it
/// should give up (return or throw <see cref="OperationCanceledException"/>): the record is then not
/// committed, and whoever owns the partition next receives it again. <paramref name="revoked"/> is cancelled
/// at once when the partition is revoked or lost or the consumer stops, before any grace period: waits that do
/// no work (a retry waiting in place, a record not yet due) end on it instead of holding the rebalance.
/// </summary>
internal delegate ValueTask<RecordOutcome> RecordProcessor(
    ConsumeResult<byte[]?, byte[]?> record, CancellationToken cancellationToken, CancellationToken revoked);
