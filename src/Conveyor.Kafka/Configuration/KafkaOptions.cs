namespace Conveyor.Kafka;

/// <summary>
/// Broker connection and client settings, bound from <c>Conveyor:Kafka</c>. Any librdkafka property can be passed
/// through <see cref="Properties"/> (all clients), <see cref="Producer"/> or <see cref="Consumer"/>; channels,
/// publishers and <c>[KafkaConsumer]</c> endpoints override them by name under <see cref="Channels"/>,
/// <see cref="Publishers"/> and <see cref="Consumers"/>.
/// </summary>
public sealed class KafkaOptions
{
    /// <summary>The configuration section bound by <c>UseKafka(configuration)</c>.</summary>
    public const string SectionName = "Conveyor:Kafka";

    /// <summary>Comma-separated <c>host:port</c> list of brokers.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary><c>security.protocol</c>: Plaintext, Ssl, SaslPlaintext or SaslSsl.</summary>
    public string? SecurityProtocol { get; set; }

    /// <summary><c>sasl.mechanism</c>: Plain, ScramSha256, ScramSha512, Gssapi, OAuthBearer.</summary>
    public string? SaslMechanism { get; set; }

    /// <summary><c>sasl.username</c>.</summary>
    public string? SaslUsername { get; set; }

    /// <summary><c>sasl.password</c>. Never logged.</summary>
    public string? SaslPassword { get; set; }

    /// <summary><c>ssl.ca.location</c>.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary><c>ssl.certificate.location</c>.</summary>
    public string? SslCertificateLocation { get; set; }

    /// <summary><c>ssl.key.location</c>.</summary>
    public string? SslKeyLocation { get; set; }

    /// <summary><c>ssl.key.password</c>. Never logged.</summary>
    public string? SslKeyPassword { get; set; }

    /// <summary>librdkafka properties for every client, e.g. <c>client.id</c>.</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka properties for producers only, e.g. <c>linger.ms</c>, <c>compression.type</c>.</summary>
    public Dictionary<string, string> Producer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka properties for consumers only, e.g. <c>session.timeout.ms</c>.</summary>
    public Dictionary<string, string> Consumer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How consumers order, commit and drain records unless a channel or endpoint says otherwise.</summary>
    public KafkaConsumerOptions Consuming { get; set; } = new();

    /// <summary>Per-channel overrides by channel name.</summary>
    public Dictionary<string, KafkaChannelOptions> Channels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per-publisher overrides by reference name.</summary>
    public Dictionary<string, KafkaPublisherOptions> Publishers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per-<c>[KafkaConsumer]</c> overrides by endpoint id; a <c>Topic</c> there replaces the attribute's topics.</summary>
    public Dictionary<string, KafkaChannelOptions> Consumers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Create missing channel, retry and dead-letter topics when a consumer or publisher starts. Default
    /// <see langword="false"/>: production clusters usually manage topics; <c>UseEmbeddedKafka</c> turns it on.
    /// </summary>
    public bool CreateMissingTopics { get; set; }

    /// <summary>Partitions of topics Conveyor creates for channels. Default 12.</summary>
    public int DefaultPartitions { get; set; } = 12;

    /// <summary>Replication factor of topics Conveyor creates. Default 1.</summary>
    public short DefaultReplicationFactor { get; set; } = 1;
}
