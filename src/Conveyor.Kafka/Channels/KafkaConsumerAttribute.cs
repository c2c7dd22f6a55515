namespace Conveyor.Kafka;

/// <summary>
/// Consumes existing topics written by any producer, e.g.
/// <c>[KafkaConsumer("shipping-order", "orders", GroupId = "shipping")]</c>. The handler takes the payload as a
/// string, bytes or a typed object (converted by content type, JSON by default); <c>[Header("kafka_topic")]</c>,
/// <c>kafka_partition</c>, <c>kafka_offset</c>, <c>kafka_timestamp</c> and <c>kafka_key</c> are available.
/// Run it by its endpoint id: <c>conveyor run shipping-order</c>. Combines with <see cref="InstantRetryAttribute"/>,
/// <see cref="DelayedRetryAttribute"/>, <see cref="ErrorChannelAttribute"/>, <see cref="FinalFailureAttribute"/>
/// and <see cref="DeduplicatedAttribute"/>.
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
    /// What handling a record writes to Kafka commits in one transaction with its offset (see
    /// <see cref="KafkaChannelOptions.ExactlyOnce"/>); <c>Conveyor:Kafka:Consumers:&lt;endpoint&gt;:ExactlyOnce</c> overrides it.
    /// </summary>
    public bool ExactlyOnce { get; set; }
}
