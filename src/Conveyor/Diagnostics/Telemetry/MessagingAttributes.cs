namespace Conveyor.Diagnostics.Telemetry;

/// <summary>Attribute names of the OpenTelemetry messaging semantic conventions, and Conveyor's own (<c>conveyor.*</c>).</summary>
internal static class MessagingAttributes
{
    public const string System = "messaging.system";
    public const string DestinationName = "messaging.destination.name";
    public const string PartitionId = "messaging.destination.partition.id";
    public const string OperationType = "messaging.operation.type";
    public const string OperationName = "messaging.operation.name";
    public const string MessageId = "messaging.message.id";
    public const string ConversationId = "messaging.message.conversation_id";
    public const string BodySize = "messaging.message.body.size";
    public const string KafkaOffset = "messaging.kafka.offset";
    public const string KafkaKey = "messaging.kafka.message.key";
    public const string ErrorType = "error.type";

    public const string Channel = "conveyor.channel";
    public const string Endpoint = "conveyor.endpoint";
    public const string Outcome = "conveyor.outcome";
    public const string Attempt = "conveyor.attempt";
    public const string RetryKind = "conveyor.retry.kind";

    /// <summary>
    /// The <c>messaging.system</c> of a channel, from the kind it was registered with: <c>kafka</c> for Kafka channels and
    /// publishers, else the kind itself (<c>in-memory</c>, a transport's own name).
    /// </summary>
    public static string SystemOf(string? kind) => kind switch
    {
        null => "conveyor",
        _ when kind.StartsWith("kafka", StringComparison.Ordinal) => "kafka",
        _ => kind,
    };
}
