namespace Conveyor.Kafka;

/// <summary>Consumer lag of Kafka channels and <c>[KafkaConsumer]</c> endpoints: how far each group's committed offsets trail the logs.</summary>
public interface IKafkaLag
{
    /// <summary>Lag per partition of the consumer <paramref name="name"/> (a channel name or endpoint id), its retry topic included.</summary>
    /// <param name="name">The channel or endpoint.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One entry per partition.</returns>
    Task<IReadOnlyList<PartitionLag>> GetLagAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The names <see cref="GetLagAsync"/> accepts: every Kafka channel and consumer endpoint.</summary>
    IReadOnlyList<string> ConsumerNames { get; }
}

/// <summary>One partition's lag.</summary>
/// <param name="GroupId">The consumer group.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Committed">The group's committed offset (the next record it will read), or null before its first commit.</param>
/// <param name="LowWatermark">The oldest offset still in the log.</param>
/// <param name="HighWatermark">The offset the next record will get.</param>
public sealed record PartitionLag(string GroupId, string Topic, int Partition, long? Committed, long LowWatermark, long HighWatermark)
{
    /// <summary>Records written but not yet committed by the group.</summary>
    public long Lag => HighWatermark - (Committed ?? LowWatermark);
}
