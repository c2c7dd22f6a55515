using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Embedded;

/// <summary>The embedded cluster's log messages (event id 3204, among the Kafka transport's 32xx).</summary>
internal static partial class Log
{
    [LoggerMessage(3204, LogLevel.Information, "Embedded Kafka cluster started at {BootstrapServers} with {Brokers} brokers")]
    public static partial void EmbeddedStarted(ILogger logger, string bootstrapServers, int brokers);
}
