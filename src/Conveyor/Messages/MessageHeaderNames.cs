namespace Conveyor;

/// <summary>
/// The header names Conveyor writes and reads. They are part of the wire contract: a message sent by
/// one version of a service is read by another, so these names never change.
/// </summary>
public static class MessageHeaderNames
{
    /// <summary>Unique id of the message (a UUID). Used for deduplication and as the default partition key.</summary>
    public const string MessageId = "id";

    /// <summary>Id shared by every message of one flow; kept from the message being handled.</summary>
    public const string CorrelationId = "correlationId";

    /// <summary>Id of the message whose handler sent this one.</summary>
    public const string CausationId = "causationId";

    /// <summary>When the message was created, in Unix milliseconds.</summary>
    public const string Timestamp = "timestamp";

    /// <summary>Media type of the payload, e.g. <c>application/json</c>.</summary>
    public const string ContentType = "contentType";

    /// <summary>The logical message name (<see cref="MessageAttribute"/>); never a CLR type name.</summary>
    public const string MessageName = "messageName";

    /// <summary>The routing key the message was sent or published with.</summary>
    public const string RoutingKey = "routingKey";

    /// <summary>The endpoint a transport message is addressed to (per-handler isolation).</summary>
    public const string TargetEndpoint = "conveyor.endpoint";

    /// <summary>Explicit partition key for partitioned transports such as Kafka.</summary>
    public const string PartitionKey = "partitionKey";

    /// <summary>How many times delivery has been attempted before (0 on first delivery).</summary>
    public const string DeliveryAttempt = "conveyor.attempt";

    /// <summary>The Unix-milliseconds time before which a delayed message must not be handled.</summary>
    public const string DeliverAt = "conveyor.deliverAt";

    /// <summary>The kind of message: <c>command</c>, <c>event</c> or <c>query</c>.</summary>
    public const string MessageKind = "conveyor.kind";

    /// <summary>Exception type recorded on a message sent to an error channel or dead letter.</summary>
    public const string ExceptionType = "conveyor.exception.type";

    /// <summary>Exception message recorded on a message sent to an error channel or dead letter.</summary>
    public const string ExceptionMessage = "conveyor.exception.message";

    /// <summary>The channel a failed message was received from.</summary>
    public const string FailedChannel = "conveyor.failed.channel";

    /// <summary>The endpoint that failed to handle a message.</summary>
    public const string FailedEndpoint = "conveyor.failed.endpoint";

    /// <summary>The steps an orchestrated flow has left to run after the step a message is addressed to (a JSON array of names).</summary>
    public const string RoutingSlip = "conveyor.routingSlip";

    /// <summary>The orchestrator whose flow a message belongs to (its input channel name).</summary>
    public const string Orchestrator = "conveyor.orchestrator";

    /// <summary>The id of the orchestrated flow a message belongs to, the same on every step.</summary>
    public const string FlowId = "conveyor.flowId";

    /// <summary>The identifier of the aggregate that recorded an event.</summary>
    public const string AggregateId = "aggregateId";

    /// <summary>The name of the aggregate that recorded an event.</summary>
    public const string AggregateType = "aggregateType";

    /// <summary>Whether a header is Conveyor's own bookkeeping rather than user metadata.</summary>
    /// <param name="name">The header name.</param>
    /// <returns><see langword="true"/> for the headers that must not be copied to messages a handler sends.</returns>
    public static bool IsFrameworkHeader(string name) =>
        name is MessageId or CorrelationId or CausationId or Timestamp or ContentType or MessageName or RoutingKey
            or PartitionKey or AggregateId or AggregateType
        || name.StartsWith("conveyor.", StringComparison.Ordinal)
        || name.StartsWith("kafka_", StringComparison.Ordinal)
        || name.StartsWith("traceparent", StringComparison.Ordinal)
        || name.StartsWith("tracestate", StringComparison.Ordinal);
}
