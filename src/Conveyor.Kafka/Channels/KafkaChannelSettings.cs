using Confluent.Kafka;

namespace Conveyor.Kafka.Channels;

/// <summary>A Kafka channel's resolved settings: topics, group, client configurations and failure topics.</summary>
/// <param name="Name">The channel name (or <c>[KafkaConsumer]</c> endpoint id).</param>
/// <param name="Topics">The topics it consumes, besides its retry topic.</param>
/// <param name="SendTopic">Where <c>SendAsync</c> writes; null for a consumer of foreign topics.</param>
/// <param name="GroupId">The consumer group.</param>
/// <param name="RetryTopic">The group's private retry topic: delayed retries and replays.</param>
/// <param name="DeadLetterTopic">The dead-letter topic.</param>
/// <param name="RetryMode">How delayed retries wait.</param>
/// <param name="Producer">The producer configuration.</param>
/// <param name="Consumer">The consumer configuration.</param>
/// <param name="Consuming">Ordering, commits and draining.</param>
/// <param name="Admin">The admin client configuration (metadata, topic creation).</param>
/// <param name="FinalFailureStrategy">The channel's final failure strategy (configured, else code), or null for the global one.</param>
/// <param name="MaxRetryTopicDelay">The longest delay a message waits on the retry topic; <see cref="Timeout.InfiniteTimeSpan"/> for any.</param>
/// <param name="ExactlyOnce">Whether what handling a record writes to Kafka commits in one transaction with its offset.</param>
/// <param name="TransactionalIdPrefix">With <paramref name="ExactlyOnce"/>, the prefix of the consumer's transactional ids.</param>
internal sealed record KafkaChannelSettings(
    string Name,
    IReadOnlyList<string> Topics,
    string? SendTopic,
    string GroupId,
    string RetryTopic,
    string DeadLetterTopic,
    KafkaRetryMode RetryMode,
    ProducerConfig Producer,
    ConsumerConfig Consumer,
    KafkaConsumerOptions Consuming,
    AdminClientConfig Admin,
    FinalFailureStrategy? FinalFailureStrategy = null,
    TimeSpan? MaxRetryTopicDelay = null,
    bool ExactlyOnce = false,
    string TransactionalIdPrefix = "");
