namespace Conveyor.Kafka;

/// <summary>
/// A named publisher to one topic, for integrations with existing topics and foreign consumers. Resolve it with
/// <c>[FromKeyedServices("partner_x_publisher")] IKafkaPublisher publisher</c>. Every send completes when the broker
/// acknowledged the record (with <c>acks=all</c>: every in-sync replica) and throws when it did not.
/// </summary>
public interface IKafkaPublisher
{
    /// <summary>The publisher's reference name.</summary>
    string Name { get; }

    /// <summary>The topic it writes to.</summary>
    string Topic { get; }

    /// <summary>Converts <paramref name="payload"/> (JSON by default) and sends it.</summary>
    /// <param name="payload">The payload object.</param>
    /// <param name="metadata">Headers; <see cref="MessageHeaderNames.PartitionKey"/> sets the Kafka key.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement (the record may still be written).</param>
    /// <returns>Where the record was written.</returns>
    Task<KafkaDeliveryResult> SendAsync(object payload, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Sends raw text with its content type.</summary>
    /// <param name="payload">The text, written as UTF-8.</param>
    /// <param name="contentType">Its media type, e.g. <c>application/json</c>.</param>
    /// <param name="metadata">Headers; <see cref="MessageHeaderNames.PartitionKey"/> sets the Kafka key.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement.</param>
    /// <returns>Where the record was written.</returns>
    Task<KafkaDeliveryResult> SendAsync(string payload, string contentType, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Sends raw bytes with their content type.</summary>
    /// <param name="payload">The bytes.</param>
    /// <param name="contentType">Their media type.</param>
    /// <param name="metadata">Headers; <see cref="MessageHeaderNames.PartitionKey"/> sets the Kafka key.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement.</param>
    /// <returns>Where the record was written.</returns>
    Task<KafkaDeliveryResult> SendAsync(ReadOnlyMemory<byte> payload, string contentType, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}

/// <summary>Where a record was written.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset.</param>
public sealed record KafkaDeliveryResult(string Topic, int Partition, long Offset);

/// <summary>
/// A send was not acknowledged: the broker refused the record (it was not written), or no acknowledgement arrived
/// within <c>message.timeout.ms</c> (it may or may not have been written; the message says which case it is).
/// </summary>
public sealed class KafkaPublishException : ConveyorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was not written, where, and why.</param>
    /// <param name="inner">The client's exception.</param>
    public KafkaPublishException(string message, Exception inner) : base(message, inner)
    {
    }
}
