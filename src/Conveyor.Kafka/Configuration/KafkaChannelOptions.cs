namespace Conveyor.Kafka;

/// <summary>How one Kafka channel (or <c>[KafkaConsumer]</c> endpoint) reads, retries and dead-letters.</summary>
public sealed class KafkaChannelOptions
{
    /// <summary>
    /// The topic; the channel name by default (for a channel). Under <c>Conveyor:Kafka:Consumers:&lt;endpoint&gt;</c> it
    /// replaces the topics of the <c>[KafkaConsumer]</c> attribute (comma-separated for several).
    /// </summary>
    public string? Topic { get; set; }

    /// <summary>The consumer group; the channel name or endpoint id by default.</summary>
    public string? GroupId { get; set; }

    /// <summary>librdkafka properties for this channel's clients (producer and consumer).</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka properties for this channel's consumer only.</summary>
    public Dictionary<string, string> Consumer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>librdkafka properties for this channel's producer only.</summary>
    public Dictionary<string, string> Producer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Ordering, commits and draining; the global <see cref="KafkaOptions.Consuming"/> when null.</summary>
    public KafkaConsumerOptions? Consuming { get; set; }

    /// <summary>What happens to a message neither an error channel nor the dead letter took; the global strategy when null.</summary>
    public FinalFailureStrategy? FinalFailureStrategy { get; set; }

    /// <summary>How delayed retries wait; <see cref="KafkaRetryMode.RetryTopic"/> when null.</summary>
    public KafkaRetryMode? RetryMode { get; set; }

    /// <summary>
    /// The longest delay a message waits on the retry topic (delayed retries, <see cref="DelayedAttribute"/> handlers); a
    /// message due later goes to the application's scheduler, so that it does not hold the retry-topic partition for the
    /// retries queued behind it. Default: 1 minute when the scheduler is durable (a database store); unlimited with the
    /// in-memory scheduler, which would lose such a message on restart while the retry topic keeps it.
    /// </summary>
    public TimeSpan? MaxRetryTopicDelay { get; set; }

    /// <summary>The retry topic; <c>&lt;topic&gt;.&lt;group&gt;.retry</c> by default, private to this consumer group.</summary>
    public string? RetryTopic { get; set; }

    /// <summary>The dead-letter topic; <c>&lt;topic&gt;.dead-letter</c> by default.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>
    /// Exactly-once consume-process-produce: what handling a record writes to Kafka (sends to Kafka channels and
    /// publishers, delayed retries, dead letters) commits in one Kafka transaction with the record's offset, or not at
    /// all. Needs <see cref="KafkaOrderingMode.PartitionSequential"/> and <see cref="KafkaRetryMode.RetryTopic"/>; reads
    /// committed records only unless <see cref="ReadCommitted"/> says otherwise. Default: <see langword="false"/>
    /// (at least once). See <c>docs/exactly-once.md</c>.
    /// </summary>
    public bool? ExactlyOnce { get; set; }

    /// <summary>
    /// With <see cref="ExactlyOnce"/>, the prefix of the consumer's transactional ids (<c>&lt;prefix&gt;-0</c>, …);
    /// <c>&lt;group&gt;.&lt;channel&gt;.&lt;machine name&gt;</c> by default. Instances must not share one: set a distinct
    /// prefix per instance when several run on one machine.
    /// </summary>
    public string? TransactionalId { get; set; }

    /// <summary>
    /// Read only records of committed transactions (<c>isolation.level=read_committed</c>): what an exactly-once
    /// producer aborted is never handled. Default: <see langword="true"/> with <see cref="ExactlyOnce"/>, else the
    /// consumer's <c>isolation.level</c> (librdkafka's default reads committed records too).
    /// </summary>
    public bool? ReadCommitted { get; set; }
}

/// <summary>How a Kafka channel makes a delayed retry wait.</summary>
public enum KafkaRetryMode
{
    /// <summary>
    /// The failed message is written to the group's retry topic with its due time and the original offset is
    /// committed: the partition moves on at once, and the retry is handled when due. Later messages with the same key
    /// may be handled before the retry. The default.
    /// </summary>
    RetryTopic,

    /// <summary>
    /// The consumer waits in place and retries; nothing behind the message in its partition (or, in key-parallel
    /// mode, with its key) is handled before it. Order is kept; the partition is blocked while it waits.
    /// </summary>
    Blocking,
}
