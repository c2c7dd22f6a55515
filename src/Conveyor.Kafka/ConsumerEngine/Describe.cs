using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>Short text for partitions and offsets in log messages.</summary>
internal static class Describe
{
    public static string Partitions(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.Select(partition => $"{partition.Topic} [{partition.Partition.Value}]"));

    public static string Offsets(IEnumerable<TopicPartitionOffset> offsets) =>
        string.Join(", ", offsets.Select(offset =>
            $"{offset.Topic} [{offset.Partition.Value}] @{offset.Offset.Value}"));
}
