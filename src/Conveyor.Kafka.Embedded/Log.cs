using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Embedded;

/// <summary>The embedded cluster's log messages (event ids 3204 and 3209–3214, among the Kafka transport's 32xx).</summary>
internal static partial class Log
{
    [LoggerMessage(3204, LogLevel.Information, "Embedded Kafka cluster started at {BootstrapServers} with {Brokers} brokers; this application's conveyor commands find it through {DiscoveryFile}")]
    public static partial void EmbeddedStarted(ILogger logger, string bootstrapServers, int brokers, string discoveryFile);

    // 3209 and 3210 are Debug: a command says the same on stderr, and an Information log would land in its stdout tables
    // with the default console logger.
    [LoggerMessage(3209, LogLevel.Debug, "Using the embedded Kafka cluster of the application's running service (process {ProcessId}) at {BootstrapServers}")]
    public static partial void UsingRunningService(ILogger logger, string bootstrapServers, int processId);

    [LoggerMessage(3210, LogLevel.Debug, "No running service of {Application} was found: started a fresh, empty embedded Kafka cluster at {BootstrapServers} for this command")]
    public static partial void FreshForCommand(ILogger logger, string bootstrapServers, string application);

    [LoggerMessage(3211, LogLevel.Information, "Using the embedded Kafka cluster hosted at {BootstrapServers}")]
    public static partial void UsingHostedElsewhere(ILogger logger, string bootstrapServers);

    [LoggerMessage(3212, LogLevel.Warning, "Could not write the embedded Kafka discovery file in {Directory}: this application's conveyor commands will not find its cluster")]
    public static partial void DiscoveryNotWritten(ILogger logger, Exception exception, string directory);

    [LoggerMessage(3213, LogLevel.Warning, "Created topic {Topic} with {Actual} partitions, not {Requested}: an embedded Kafka cluster in another process creates topics only automatically, with librdkafka's fixed default. Create topics with conveyor-kafka --topic name:partitions to choose")]
    public static partial void RemoteTopicPartitions(ILogger logger, string topic, int actual, int requested);

    [LoggerMessage(3214, LogLevel.Debug, "librdkafka {Facility}: {Message}")]
    public static partial void ClientLog(ILogger logger, string facility, string message);
}
