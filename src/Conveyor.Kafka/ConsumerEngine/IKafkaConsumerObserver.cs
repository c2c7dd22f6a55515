using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Hooks for metrics and logging around a consumer run. Called on the poll thread (rebalance callbacks and
/// commits happen there), so implementations must be quick and must not call back into the consumer.
/// Exceptions they throw are logged and otherwise ignored.
/// </summary>
internal interface IKafkaConsumerObserver
{
    void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
    }

    /// <summary>Called after the revoked partitions' in-flight records finished or were cancelled and their offsets committed.</summary>
    void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
    }

    /// <summary>Called when the group took partitions away without a revoke; nothing is committed for them.</summary>
    void PartitionsLost(IReadOnlyList<TopicPartition> partitions)
    {
    }

    void OffsetsCommitted(IReadOnlyList<TopicPartitionOffset> offsets)
    {
    }

    void CommitFailed(IReadOnlyList<TopicPartitionOffset> offsets, KafkaException error)
    {
    }
}
