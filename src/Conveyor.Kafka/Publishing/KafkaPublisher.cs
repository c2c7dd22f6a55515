using Conveyor.Runtime;
using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>A named publisher: converts payloads like the buses do, propagates headers from the handler that sends, waits for acknowledgement.</summary>
internal sealed class KafkaPublisher(string name, string topic, ProducerConfig config, IProducer<byte[]?, byte[]?> producer, MessageDispatcher dispatcher) : IKafkaPublisher
{
    /// <summary>The effective producer configuration (shared with every sender of the same configuration).</summary>
    public ProducerConfig Config => config;

    public string Name => name;

    public string Topic => topic;

    public Task<KafkaDeliveryResult> SendAsync(object payload, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return SendCoreAsync(payload, null, metadata, cancellationToken);
    }

    public Task<KafkaDeliveryResult> SendAsync(string payload, string contentType, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) =>
        SendAsync(System.Text.Encoding.UTF8.GetBytes(payload).AsMemory(), contentType, metadata, cancellationToken);

    public Task<KafkaDeliveryResult> SendAsync(ReadOnlyMemory<byte> payload, string contentType, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        return SendCoreAsync(payload.ToArray(), contentType, metadata, cancellationToken);
    }

    private Task<KafkaDeliveryResult> SendCoreAsync(object payload, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var headers = MessageHeadersFactory.Create(payload is byte[] ? null : payload, metadata, HandlerContext.Current, EndpointKind.Event);
        headers.Set(MessageHeaderNames.MessageKind, null);
        if (contentType is not null)
        {
            headers.Set(MessageHeaderNames.ContentType, contentType);
        }

        return KafkaSender.SendAsync(producer, new TopicPartition(topic, Partition.Any), dispatcher.Serialize(payload, headers), cancellationToken);
    }
}
