using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>Calls an <see cref="IKafkaConsumerObserver"/> so that its exceptions are logged, never thrown into the poll loop.</summary>
internal sealed class GuardedObserver(IKafkaConsumerObserver observer, ILogger logger)
{
    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions) =>
        Call(nameof(PartitionsAssigned), () => observer.PartitionsAssigned(partitions));

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions) =>
        Call(nameof(PartitionsRevoked), () => observer.PartitionsRevoked(partitions));

    public void PartitionsLost(IReadOnlyList<TopicPartition> partitions) =>
        Call(nameof(PartitionsLost), () => observer.PartitionsLost(partitions));

    public void OffsetsCommitted(IReadOnlyList<TopicPartitionOffset> offsets) =>
        Call(nameof(OffsetsCommitted), () => observer.OffsetsCommitted(offsets));

    public void CommitFailed(IReadOnlyList<TopicPartitionOffset> offsets, KafkaException error) =>
        Call(nameof(CommitFailed), () => observer.CommitFailed(offsets, error));

    private void Call(string callback, Action action)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // An observer (metrics, logging) must never break consumption.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.ObserverFailed(logger, callback, exception);
        }
    }
}
