using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>The summary of one consumer run.</summary>
/// <param name="Reason">Why the run ended.</param>
/// <param name="RecordsCompleted">Records the processor completed (each counted once per delivery).</param>
/// <param name="StoppedAt">
/// With <see cref="ConsumerStopReason.StoppedOnRecord"/> or <see cref="ConsumerStopReason.ProcessorFailed"/>,
/// the record that stopped the run; it is not committed, so the group reads it first on restart.
/// </param>
/// <param name="Error">The processor's exception or the fatal Kafka error, if any.</param>
internal sealed record KafkaConsumerRunResult(
    ConsumerStopReason Reason,
    long RecordsCompleted,
    TopicPartitionOffset? StoppedAt,
    Exception? Error);
