namespace Conveyor.Outgoing;

/// <summary>
/// The outgoing path: the one way out of the application. The buses, channels, named publishers, failure handling and
/// transports all send through it, so that its middleware sees every message. Resolve it from DI.
/// </summary>
public interface IMessageSender
{
    /// <summary>
    /// Creates a message for <paramref name="payload"/>: a new id and timestamp, its message name, the correlation and
    /// user headers of the handler running now (if any), <paramref name="metadata"/>, and the payload serialized (JSON
    /// unless <paramref name="contentType"/> names another converter; a <see cref="string"/> or byte array is taken as
    /// already serialized).
    /// </summary>
    /// <param name="payload">The payload, or null for a message without one.</param>
    /// <param name="metadata">Headers to add; they win over the propagated ones.</param>
    /// <param name="contentType">The content type; the default converter's when null.</param>
    /// <returns>The message.</returns>
    TransportMessage Create(object? payload, IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null);

    /// <summary>Passes <paramref name="message"/> through the outgoing middleware to its destination.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes once the destination has it (for Kafka: acknowledged) or the scheduler holds it.</returns>
    ValueTask SendAsync(OutgoingMessage message, CancellationToken cancellationToken);
}
