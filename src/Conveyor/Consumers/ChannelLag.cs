namespace Conveyor;

/// <summary>How far one channel's consumers trail what was written to it.</summary>
/// <param name="Channel">The channel (or <c>[KafkaConsumer]</c> endpoint).</param>
/// <param name="Partitions">One entry per partition (for Kafka: each topic's partitions, the retry topic's included); one entry for a channel without partitions.</param>
/// <param name="Error">Why the lag could not be read (e.g. the broker did not answer in time), or null.</param>
public sealed record ChannelLag(string Channel, IReadOnlyList<ChannelPartitionLag> Partitions, string? Error = null)
{
    /// <summary>Messages written but not yet consumed, over every partition.</summary>
    public long Total => Partitions.Sum(p => p.Lag);
}

/// <summary>One partition's lag.</summary>
/// <param name="Source">Where the partition lives: a Kafka topic; the channel's name for a channel without partitions.</param>
/// <param name="Partition">The partition number, or null for a channel without partitions.</param>
/// <param name="Committed">The consumer's committed position (the next message it will read), or null when unknown or before its first commit.</param>
/// <param name="End">The position the next message written will get (Kafka's high watermark), or null when unknown.</param>
/// <param name="Lag">Messages written but not yet consumed.</param>
public sealed record ChannelPartitionLag(string Source, int? Partition, long? Committed, long? End, long Lag);
