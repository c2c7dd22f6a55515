using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka;

/// <summary>The Kafka transport's log messages (event ids 32xx; the consumer engine uses 31xx, the embedded cluster 3204).</summary>
internal static partial class Log
{
    [LoggerMessage(3200, LogLevel.Warning, "Kafka producer error: {Reason} ({Code}, fatal: {Fatal})")]
    public static partial void ProducerError(ILogger logger, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Message}")]
    public static partial void ClientLog(ILogger logger, string facility, string message);

    [LoggerMessage(3202, LogLevel.Information, "Kafka channel {Channel}: topic {Topic}, group {GroupId}, retry topic {RetryTopic}, dead-letter topic {DeadLetterTopic}; consumer config: {Config}")]
    public static partial void ChannelStarting(ILogger logger, string channel, string topic, string groupId, string retryTopic, string deadLetterTopic, string config);

    [LoggerMessage(3203, LogLevel.Information, "Created Kafka topic {Topic} with {Partitions} partitions")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(3205, LogLevel.Warning, "Kafka {Client} error: {Reason} ({Code})")]
    public static partial void ClientError(ILogger logger, string client, ErrorCode code, string reason);

    [LoggerMessage(3206, LogLevel.Error, "Could not write dead letter {DeadLetterId} of the message from {Position} to dead-letter topic {Topic}")]
    public static partial void DeadLetterWriteFailed(ILogger logger, Exception exception, string deadLetterId, string position, string topic);

    [LoggerMessage(3207, LogLevel.Warning, "Dead letter {DeadLetterId} of the message from {Position} is too large for dead-letter topic {Topic} ({Size} bytes of body): writing its headers and the first {Excerpt} bytes, marked conveyor.dlq.truncated")]
    public static partial void DeadLetterTruncated(ILogger logger, string deadLetterId, string position, string topic, int size, int excerpt);

    [LoggerMessage(3208, LogLevel.Warning, "Kafka channel {Channel} stopped before its consumer started (the cluster did not answer); nothing was consumed or committed")]
    public static partial void StoppedBeforeStart(ILogger logger, Exception exception, string channel);

    [LoggerMessage(3220, LogLevel.Warning, "Kafka consumer group {GroupId} is shared by {First} (subscribed to {FirstTopics}) and {Second} (subscribed to {SecondTopics}) of this application. Consumers of one group with different subscriptions rebalance each other on every start and stop, and split partitions of a topic both subscribe to between them. Give each its own group: AddKafkaChannel(..., groupId: \"...\"), [KafkaConsumer(..., GroupId = \"...\")] or Conveyor:Kafka:Channels/Consumers:<name>:GroupId")]
    public static partial void SharedConsumerGroup(ILogger logger, string groupId, string first, string firstTopics, string second, string secondTopics);

    [LoggerMessage(3221, LogLevel.Information, "Creating Kafka topic(s) {Topics} with {Partitions} partitions at {BootstrapServers} (Conveyor:Kafka:CreateMissingTopics)")]
    public static partial void CreatingTopics(ILogger logger, string topics, int partitions, string? bootstrapServers);
}

/// <summary>
/// Sends the librdkafka log and error callbacks of Conveyor's short-lived clients (admin clients, offset and
/// dead-letter readers) to <see cref="ILogger"/>: without handlers Confluent.Kafka writes them to stderr, past the
/// application's logging configuration.
/// </summary>
internal static class ClientLogging
{
    public static AdminClientBuilder LogTo(this AdminClientBuilder builder, ILogger logger) =>
        builder
            .SetLogHandler((_, message) => Log.ClientLog(logger, message.Facility, message.Message))
            .SetErrorHandler((_, error) => Log.ClientError(logger, "admin client", error.Code, error.Reason));

    public static ConsumerBuilder<TKey, TValue> LogTo<TKey, TValue>(this ConsumerBuilder<TKey, TValue> builder, ILogger logger) =>
        builder
            .SetLogHandler((_, message) => Log.ClientLog(logger, message.Facility, message.Message))
            .SetErrorHandler((_, error) => Log.ClientError(logger, "reader", error.Code, error.Reason));
}
