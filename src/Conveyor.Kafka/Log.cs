using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka;

/// <summary>The Kafka transport's log messages (event ids 32xx; the consumer engine uses 31xx).</summary>
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

    [LoggerMessage(3204, LogLevel.Information, "Embedded Kafka cluster started at {BootstrapServers} with {Brokers} brokers")]
    public static partial void EmbeddedStarted(ILogger logger, string bootstrapServers, int brokers);
}
