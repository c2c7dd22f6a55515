using Confluent.Kafka;

namespace Conveyor.Kafka.Consuming;

/// <summary>
/// Processes one record for the consumer engine. The token is cancelled when the record's partition is
/// revoked or lost, or when the consumer shuts down past its grace period; a processor that observes it
/// should give up (return or throw <see cref="OperationCanceledException"/>): the record is then not
/// committed, and whoever owns the partition next receives it again.
/// </summary>
internal delegate ValueTask<RecordOutcome> RecordProcessor(
    ConsumeResult<byte[]?, byte[]?> record, CancellationToken cancellationToken);
