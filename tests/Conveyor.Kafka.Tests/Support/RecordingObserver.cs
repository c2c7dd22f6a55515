using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>Records what a consumer engine reports, for assertions.</summary>
internal sealed class RecordingObserver : IKafkaConsumerObserver
{
    public ConcurrentQueue<TopicPartition> Assigned { get; } = new();

    public ConcurrentQueue<TopicPartition> Revoked { get; } = new();

    public ConcurrentQueue<TopicPartitionOffset> Committed { get; } = new();

    public ConcurrentQueue<KafkaException> CommitFailures { get; } = new();

    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            Assigned.Enqueue(partition);
        }
    }

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            Revoked.Enqueue(partition);
        }
    }

    public void OffsetsCommitted(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            Committed.Enqueue(offset);
        }
    }

    public void CommitFailed(IReadOnlyList<TopicPartitionOffset> offsets, KafkaException error) =>
        CommitFailures.Enqueue(error);
}
