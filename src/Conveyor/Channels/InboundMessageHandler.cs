namespace Conveyor.Channels;

/// <summary>Processes one received message and tells the channel what to do with it.</summary>
/// <param name="message">The message.</param>
/// <param name="cancellationToken">
/// Cancelled only when the channel loses the message (e.g. its Kafka partition is revoked); <see cref="CancellationToken.None"/>
/// when it cannot. A graceful stop does not cancel it.
/// </param>
/// <returns>The acknowledgement.</returns>
public delegate ValueTask<Acknowledgement> InboundMessageHandler(InboundMessage message, CancellationToken cancellationToken);
