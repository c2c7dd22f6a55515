using Conveyor.Channels;

namespace Conveyor.Outgoing;

/// <summary>A channel that reports where it wrote a message (e.g. a Kafka topic, partition and offset).</summary>
public interface IDeliveryReportingChannel : IMessageChannel
{
    /// <summary>Sends <paramref name="message"/> as <see cref="IMessageChannel.SendAsync"/> does, and reports where it went.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The channel's receipt.</returns>
    ValueTask<object> SendReportingAsync(TransportMessage message, CancellationToken cancellationToken);
}
