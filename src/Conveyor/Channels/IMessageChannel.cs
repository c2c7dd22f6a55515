namespace Conveyor.Channels;

/// <summary>A named destination that carries <see cref="TransportMessage"/>s: in-memory, Kafka, database.</summary>
public interface IMessageChannel
{
    /// <summary>The channel name handlers refer to in <see cref="AsynchronousAttribute"/>.</summary>
    string Name { get; }

    /// <summary>What the channel can do.</summary>
    ChannelCapabilities Capabilities { get; }

    /// <summary>
    /// Where the channel's messages are kept, as an operator looks for them (a Kafka channel's or named publisher's
    /// topic); <c>conveyor list</c> shows it. Null when there is nothing outside the process to name (in-memory).
    /// </summary>
    string? Address => null;

    /// <summary>
    /// Sends <paramref name="message"/>; completes once the channel has it durably (for Kafka: the broker acknowledged it).
    /// A failure throws; nothing is reported as sent that was not. A message with a due time
    /// (<see cref="TransportMessage.DeliverAt"/>) is not delivered before it; the outgoing path only sends a channel
    /// due times within its <see cref="ChannelCapabilities.MaxDeliveryDelay"/>.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the message is stored.</returns>
    ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken);
}
