using Conveyor.Outgoing;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// A named publisher: converts payloads like the buses do, propagates headers from the handler that sends, and sends
/// through the outgoing path to its <see cref="KafkaPublisherChannel"/>, waiting for the acknowledgement. Its sends
/// leave at once, also inside a handler, because the caller waits for where the record was written.
/// </summary>
internal sealed class KafkaPublisher(string name, string topic, IMessageSender sender) : IKafkaPublisher
{
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

    private async Task<KafkaDeliveryResult> SendCoreAsync(object payload, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var outgoing = new OutgoingMessage(sender.Create(payload, metadata, contentType), name, OutgoingIntent.Send);
        await sender.SendAsync(outgoing, cancellationToken).ConfigureAwait(false);

        // Another channel stands in for the publisher in a flow test: it reports no position.
        return outgoing.Receipt as KafkaDeliveryResult ?? new KafkaDeliveryResult(topic, -1, -1);
    }
}
