using Conveyor.Channels;

namespace Conveyor.Kafka;

/// <summary>
/// A channel consumed by a Kafka consumer group: a Kafka channel or a <c>[KafkaConsumer]</c> endpoint. <see cref="IKafkaLag"/>
/// finds these in the <see cref="IChannelRegistry"/>; a channel wrapping one can pass it on by implementing it too.
/// </summary>
public interface IKafkaConsumerChannel : IReceivingChannel
{
    /// <summary>The consumer group's lag per partition of the channel's topics and its retry topic.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One entry per partition.</returns>
    Task<IReadOnlyList<PartitionLag>> GetPartitionLagAsync(CancellationToken cancellationToken);
}
