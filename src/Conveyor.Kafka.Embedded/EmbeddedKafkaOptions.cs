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

    /// <summary>
    /// <c>UseEmbeddedKafka</c> only: whether to use the embedded cluster of this application's running service instead of
    /// starting one in this process. <see langword="null"/> (the default) decides by the process: on in a <c>conveyor</c>
    /// command (<c>dotnet run -- conveyor dlq list</c>, see <c>ConveyorInvocation</c>), off in the service. When it is on
    /// and no service of this application is running, a fresh, empty cluster is started and a line on stderr says so.
    /// </summary>
    /// <remarks>
    /// The service finds its commands through a discovery file (see <see cref="DiscoveryDirectory"/>) keyed by the
    /// application's name and content root, which it writes when its cluster starts and removes on exit.
    /// </remarks>
    public bool? ConnectToRunning { get; set; }

    /// <summary>
    /// <c>UseEmbeddedKafka</c> only: the bootstrap servers of an embedded cluster hosted in another process (the
    /// <c>conveyor-kafka</c> tool, e.g. <c>127.0.0.1:9092</c>). When set, no cluster is started here and no discovery file
    /// is used; missing topics are created through the cluster's automatic topic creation, which librdkafka's mock cluster
    /// does with 4 partitions whatever is asked (create them with <c>conveyor-kafka --topic name:partitions</c> to choose).
    /// </summary>
    public string? BootstrapServers { get; set; }

    /// <summary>
    /// <c>UseEmbeddedKafka</c> only: the folder of the discovery files through which a service's <c>conveyor</c> commands
    /// find its cluster. <see langword="null"/> (the default): <c>$XDG_RUNTIME_DIR/conveyor-embedded-kafka</c> when that
    /// variable is set, else <c>conveyor-embedded-kafka-&lt;user&gt;</c> in the temporary folder.
    /// </summary>
    public string? DiscoveryDirectory { get; set; }

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
