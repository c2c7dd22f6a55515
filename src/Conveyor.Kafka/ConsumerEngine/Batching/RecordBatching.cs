using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine.Batching;

/// <summary>
/// Processes a batch of one partition's records, in offset order, for the consumer engine, and says what became of
/// each (same index). The tokens are those of <see cref="RecordProcessor"/>.
/// </summary>
internal delegate ValueTask<RecordOutcome[]> BatchProcessor(
    IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken cancellationToken, CancellationToken revoked);

/// <summary>
/// How a consumer forms batches: a partition's queued records are taken together, up to <paramref name="MaxSize"/>,
/// once that many are queued or <paramref name="MaxWait"/> after the first was; one batch of a partition runs at a time.
/// </summary>
/// <param name="MaxSize">The most records in a batch.</param>
/// <param name="MaxWait">The longest a partition's batch waits to fill.</param>
/// <param name="Processor">Processes a batch.</param>
internal sealed record RecordBatching(int MaxSize, TimeSpan MaxWait, BatchProcessor Processor);
