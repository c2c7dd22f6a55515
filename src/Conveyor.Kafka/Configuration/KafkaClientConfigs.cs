using System.Globalization;
using Confluent.Kafka;

namespace Conveyor.Kafka.Configuration;

/// <summary>
/// Builds librdkafka configurations: Conveyor's safe defaults first, then the global properties, then the
/// client-kind properties, then the channel's or publisher's, so a user can override each default.
/// </summary>
internal static class KafkaClientConfigs
{
    // Properties whose value is (or embeds) a secret: every password, passphrase and client secret, inline private
    // keys, and the OAUTHBEARER and JAAS configuration strings, which carry client secrets inline.
    private static readonly string[] SecretParts = ["password", "passphrase", "secret"];
    private static readonly string[] Secrets = ["ssl.key.pem", "ssl_key", "sasl.oauthbearer.config", "sasl.oauthbearer.assertion.private.key.pem", "sasl.jaas.config"];

    /// <summary>Producer defaults: every in-sync replica acknowledges, idempotent, Java-compatible key hashing, lean delivery reports.</summary>
    public static readonly IReadOnlyDictionary<string, string> ProducerDefaults = new Dictionary<string, string>
    {
        ["acks"] = "all",
        ["enable.idempotence"] = "true",
        ["max.in.flight.requests.per.connection"] = "5",
        ["partitioner"] = "murmur2_random",
        ["linger.ms"] = "5",

        // Conveyor reads only the topic, partition, offset and persistence status of a delivery report (the status
        // tells a failed record that may have been written from one that was not): do not copy each record's key,
        // value, headers and timestamp back into .NET objects (Confluent.Kafka's default is "all").
        ["dotnet.producer.delivery.report.fields"] = "status",
    };

    /// <summary>
    /// Consumer defaults: nothing is committed or stored unless Conveyor says so; new groups start at the beginning;
    /// a fetch with nothing to return comes back after 100 ms rather than 500 ms; joining the group does not wait 50 ms
    /// for a broker connection.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ConsumerDefaults = new Dictionary<string, string>
    {
        ["enable.auto.commit"] = "false",
        ["enable.auto.offset.store"] = "false",
        ["auto.offset.reset"] = "earliest",

        // A channel's consumer also reads its retry topic, which is mostly empty. After an assignment, a fetch that
        // holds only empty partitions waits at the broker for fetch.wait.max.ms, and partitions whose start offsets
        // arrive meanwhile are fetched only when it returns: with the 500 ms default, every start and rebalance
        // measured ~0.6 s before the first record instead of ~0.1 s. An idle consumer sends more empty fetches.
        ["fetch.wait.max.ms"] = "100",

        // librdkafka opens a connection for cluster requests (the metadata a group join waits for) only
        // reconnect.backoff.ms / 2 after its last connection attempt, and the bootstrap connection it started with is
        // dropped once the brokers' ids are known: with the 100 ms default every consumer start waited ~50 ms to join
        // (measured 54-94 ms from Subscribe to the assignment, 14-19 ms with 20). A broker that is down is still retried
        // with a backoff doubling up to reconnect.backoff.max.ms (10 s).
        ["reconnect.backoff.ms"] = "20",
    };

    public static ProducerConfig Producer(KafkaOptions options, params IReadOnlyDictionary<string, string>?[] overrides) =>
        new(Merge(options, ProducerDefaults, options.Producer, overrides));

    public static ConsumerConfig Consumer(KafkaOptions options, string groupId, params IReadOnlyDictionary<string, string>?[] overrides)
    {
        var config = new ConsumerConfig(Merge(options, ConsumerDefaults, options.Consumer, overrides)) { GroupId = groupId };
        return config;
    }

    /// <summary>
    /// Admin client configuration. An admin client is a librdkafka producer handle, whose Metadata request for a topic by
    /// name lets the cluster create it when missing (allow.auto.create.topics defaults to true for producers, and Kafka's
    /// auto.create.topics.enable to true): reading a channel's lag or dead letters before its consumer's start created
    /// the retry or dead-letter topic with the cluster's partition count instead of the topic's. Conveyor creates topics
    /// only in <see cref="Channels.KafkaTopics"/>, so this is forced off whatever the configured properties say.
    /// </summary>
    public static AdminClientConfig Admin(KafkaOptions options)
    {
        var merged = Merge(options, new Dictionary<string, string>(), new Dictionary<string, string>(), []);
        merged["allow.auto.create.topics"] = "false";
        return new AdminClientConfig(merged);
    }

    /// <summary>The configuration as text for logs and errors, with secrets masked.</summary>
    public static string Describe(IEnumerable<KeyValuePair<string, string>> config) =>
        string.Join(", ", config.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={(IsSecret(e.Key) ? "***" : e.Value)}"));

    public static bool IsSecret(string key) =>
        Secrets.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase))
        || SecretParts.Any(s => key.Contains(s, StringComparison.OrdinalIgnoreCase));

    private static Dictionary<string, string> Merge(
        KafkaOptions options,
        IReadOnlyDictionary<string, string> defaults,
        IReadOnlyDictionary<string, string> kind,
        IReadOnlyDictionary<string, string>?[] overrides)
    {
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            throw new ConveyorConfigurationException(
                "Kafka has no bootstrap servers. Set Conveyor:Kafka:BootstrapServers (e.g. \"localhost:9092\"), or call UseEmbeddedKafka() for an in-process development cluster.");
        }

        var merged = new Dictionary<string, string>(defaults, StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = options.BootstrapServers,
        };
        Set(merged, "security.protocol", Protocol(options.SecurityProtocol));
        Set(merged, "sasl.mechanism", Mechanism(options.SaslMechanism));
        Set(merged, "sasl.username", options.SaslUsername);
        Set(merged, "sasl.password", options.SaslPassword);
        Set(merged, "ssl.ca.location", options.SslCaLocation);
        Set(merged, "ssl.certificate.location", options.SslCertificateLocation);
        Set(merged, "ssl.key.location", options.SslKeyLocation);
        Set(merged, "ssl.key.password", options.SslKeyPassword);
        foreach (var source in new[] { options.Properties, kind }.Concat(overrides))
        {
            foreach (var (key, value) in source ?? new Dictionary<string, string>())
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    private static void Set(Dictionary<string, string> config, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            config[key] = value;
        }
    }

    // Accept the .NET enum spellings (SaslSsl, ScramSha256) as well as librdkafka's (sasl_ssl, SCRAM-SHA-256).
    private static string? Protocol(string? value) =>
        value is null ? null
            : Enum.TryParse<SecurityProtocol>(value, ignoreCase: true, out var parsed) ? Snake(parsed.ToString())
            : value;

    private static string? Mechanism(string? value) =>
        value is null ? null
            : Enum.TryParse<SaslMechanism>(value, ignoreCase: true, out var parsed) ? parsed switch
            {
                SaslMechanism.ScramSha256 => "SCRAM-SHA-256",
                SaslMechanism.ScramSha512 => "SCRAM-SHA-512",
                SaslMechanism.OAuthBearer => "OAUTHBEARER",
                _ => parsed.ToString().ToUpper(CultureInfo.InvariantCulture),
            }
            : value;

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
