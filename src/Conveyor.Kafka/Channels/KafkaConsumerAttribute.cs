namespace Conveyor.Kafka;

/// <summary>
/// Consumes existing topics written by any producer, e.g.
/// <c>[KafkaConsumer("shipping-order", "orders", GroupId = "shipping")]</c>. The handler takes the payload as a
/// string, bytes or a typed object (converted by content type, JSON by default); <c>[Header("kafka_topic")]</c>,
/// <c>kafka_partition</c>, <c>kafka_offset</c>, <c>kafka_timestamp</c> and <c>kafka_key</c> are available.
/// Run it by its endpoint id: <c>conveyor run shipping-order</c>. Combines with <see cref="InstantRetryAttribute"/>,
/// <see cref="DelayedRetryAttribute"/>, <see cref="ErrorChannelAttribute"/>, <see cref="FinalFailureAttribute"/>
/// and <see cref="DeduplicatedAttribute"/>. A handler taking <c>IReadOnlyList&lt;T&gt;</c> (or
/// <c>IReadOnlyList&lt;Received&lt;T&gt;&gt;</c>) gets batches of up to <see cref="MaxBatchSize"/> records.
/// </summary>
/// <param name="endpointId">The endpoint id, also the consumer's name and default group id.</param>
/// <param name="topics">The topics to consume.</param>
public sealed class KafkaConsumerAttribute(string endpointId, params string[] topics) : ConsumerEndpointAttribute(endpointId)
{
    /// <summary>The topics to consume.</summary>
    public IReadOnlyList<string> Topics { get; } = topics;

    /// <summary>The consumer group; the endpoint id by default.</summary>
    public string? GroupId { get; set; }

    /// <summary>
    /// For a batch handler, the most records in one batch; 0 (the default): the global <c>Consuming:MaxBatchSize</c>,
    /// else 100. This consumer's configuration (<c>Conveyor:Kafka:Consumers:&lt;endpoint&gt;:Consuming:MaxBatchSize</c>)
    /// overrides it.
    /// </summary>
    public int MaxBatchSize { get; set; }

    /// <summary>
    /// For a batch handler, the longest a batch waits to fill, in milliseconds; -1 (the default):
    /// <c>Consuming:MaxBatchWait</c>, else 100 ms. This consumer's configuration overrides it.
    /// </summary>
    public int MaxBatchWaitMilliseconds { get; set; } = -1;

    /// <summary>
    /// What handling a record writes to Kafka commits in one transaction with its offset (see
    /// <see cref="KafkaChannelOptions.ExactlyOnce"/>); <c>Conveyor:Kafka:Consumers:&lt;endpoint&gt;:ExactlyOnce</c> overrides it.
    /// </summary>
    public bool ExactlyOnce { get; set; }
}
