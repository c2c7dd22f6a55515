using Confluent.Kafka;
using Conveyor.Consumers;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>Keeps a channel's assigned partitions in the <see cref="IConsumerStatusRegistry"/>, as <c>topic[partition]</c>.</summary>
internal sealed class StatusObserver(IConsumerStatusReporter status, string name) : IKafkaConsumerObserver
{
    public void PartitionsAssigned(IReadOnlyList<TopicPartition> partitions) => status.PartitionsAssigned(name, Names(partitions));

    public void PartitionsRevoked(IReadOnlyList<TopicPartition> partitions) => status.PartitionsRemoved(name, Names(partitions));

    public void PartitionsLost(IReadOnlyList<TopicPartition> partitions) => status.PartitionsRemoved(name, Names(partitions));

    private static IEnumerable<string> Names(IReadOnlyList<TopicPartition> partitions) =>
        partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]");
}
