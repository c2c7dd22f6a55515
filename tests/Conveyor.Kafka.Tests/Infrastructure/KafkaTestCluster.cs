using System.Runtime.CompilerServices;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Conveyor.Kafka.Embedded;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>
/// The Kafka cluster a test class runs against: the one named by <c>KAFKA_BOOTSTRAP_SERVERS</c> when
/// that variable is set, otherwise an <see cref="EmbeddedKafkaCluster"/> of three brokers started for
/// the class. Use it as an <c>IClassFixture</c> so fault injection in one class cannot disturb another.
/// </summary>
public sealed class KafkaTestCluster : IDisposable
{
    public const string BootstrapServersVariable = "KAFKA_BOOTSTRAP_SERVERS";

    private KafkaTestCluster(EmbeddedKafkaCluster embedded)
    {
        Embedded = embedded;
        BootstrapServers = embedded.BootstrapServers;
    }

    public KafkaTestCluster()
    {
        var external = Environment.GetEnvironmentVariable(BootstrapServersVariable);
        if (string.IsNullOrWhiteSpace(external))
        {
            Embedded = EmbeddedKafkaCluster.Start();
            BootstrapServers = Embedded.BootstrapServers;
        }
        else
        {
            BootstrapServers = external;
        }
    }

    /// <summary>
    /// A cluster of its own for one test, whose faults must not outlive it: e.g. per-broker request
    /// errors, which librdkafka's mock never forgets (see <see cref="EmbeddedKafkaCluster.PushRequestErrors"/>).
    /// </summary>
    public static KafkaTestCluster StartPrivateEmbedded() => new(EmbeddedKafkaCluster.Start());

    /// <summary>True when <c>KAFKA_BOOTSTRAP_SERVERS</c> points the tests at a real cluster.</summary>
    public static bool UsesRealCluster => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(BootstrapServersVariable));

    public string BootstrapServers { get; }

    /// <summary>The embedded cluster, for fault injection; <see langword="null"/> on a real cluster.</summary>
    public EmbeddedKafkaCluster? Embedded { get; }

    /// <summary>The embedded cluster, or a clear failure for a test that needs one (mark it <see cref="EmbeddedKafkaFactAttribute"/>).</summary>
    public EmbeddedKafkaCluster RequireEmbedded() =>
        Embedded ?? throw new InvalidOperationException("This test needs the embedded cluster; mark it [EmbeddedKafkaFact].");

    /// <summary>Creates a topic with a fresh name, so tests never share records.</summary>
    /// <param name="partitions">Number of partitions.</param>
    /// <param name="replicationFactor">Replicas per partition.</param>
    /// <param name="purpose">Goes into the name to tell topics apart; the calling test by default.</param>
    /// <returns>The topic name.</returns>
    public async Task<string> CreateTopicAsync(int partitions, int replicationFactor = 1, [CallerMemberName] string purpose = "topic")
    {
        var name = $"{new string(purpose.Where(char.IsAsciiLetterOrDigit).Take(100).ToArray())}-{Guid.NewGuid():N}";
        if (Embedded is not null)
        {
            Embedded.CreateTopic(name, partitions, replicationFactor);
            return name;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync(
            [new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = (short)replicationFactor }]);
        return name;
    }

    /// <summary>The broker that currently leads a partition, as the cluster's metadata reports it.</summary>
    public int GetPartitionLeader(string topic, int partition)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        return metadata.Topics.Single().Partitions.Single(p => p.PartitionId == partition).Leader;
    }

    /// <summary>
    /// The topics that exist and their partition counts, from a Metadata request for all topics: asking for a topic by
    /// name would let a cluster that creates topics on request (the embedded one does, with 4 partitions) create it.
    /// </summary>
    public IReadOnlyDictionary<string, int> ListTopics()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Where(t => t.Error.Code == ErrorCode.NoError)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
    }

    /// <summary>Conveyor's producer defaults: every replica acknowledges, idempotent.</summary>
    public ProducerConfig ProducerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
    };

    /// <summary>A consumer in <paramref name="groupId"/> that reads from the start and commits only when told.</summary>
    /// <remarks>
    /// On the embedded cluster the session timeout is short: the mock coordinator holds every
    /// rebalance of a group that has (or just had) members for session.timeout.ms minus one second,
    /// 44 s with the default. A real broker would refuse 2 s (group.min.session.timeout.ms is 6 s).
    /// </remarks>
    public ConsumerConfig ConsumerConfig(string groupId)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        if (Embedded is not null)
        {
            config.SessionTimeoutMs = 2000;
            config.HeartbeatIntervalMs = 500;
        }

        return config;
    }

    public void Dispose() => Embedded?.Dispose();
}
