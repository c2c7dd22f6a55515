namespace Conveyor.Kafka.Embedded;

/// <summary>Settings for <see cref="EmbeddedKafkaCluster.Start(EmbeddedKafkaOptions?)"/>.</summary>
public sealed class EmbeddedKafkaOptions
{
    /// <summary>
    /// Number of brokers, with ids 1 to <see cref="BrokerCount"/>. Default 3, so that leaders can move
    /// and a broker can go down while the others serve.
    /// </summary>
    public int BrokerCount { get; set; } = 3;

    /// <summary>
    /// How long the group coordinator waits for more members before the first rebalance of a new
    /// consumer group (the broker setting <c>group.initial.rebalance.delay.ms</c>). Default zero, so a
    /// consumer gets its partitions as soon as it joins; librdkafka's mock default is 3 seconds.
    /// </summary>
    public TimeSpan GroupInitialRebalanceDelay { get; set; } = TimeSpan.Zero;

    internal void Validate()
    {
        if (BrokerCount < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(BrokerCount), BrokerCount, "An embedded Kafka cluster needs at least one broker.");
        }

        EmbeddedKafkaCluster.ToMilliseconds(GroupInitialRebalanceDelay, nameof(GroupInitialRebalanceDelay));
    }
}
