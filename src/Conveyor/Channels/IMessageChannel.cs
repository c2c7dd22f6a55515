namespace Conveyor.Channels;

/// <summary>A named destination that carries <see cref="TransportMessage"/>s: in-memory, Kafka, database.</summary>
public interface IMessageChannel
{
    /// <summary>The channel name handlers refer to in <see cref="AsynchronousAttribute"/>.</summary>
    string Name { get; }

    /// <summary>What the channel can do.</summary>
    ChannelCapabilities Capabilities { get; }

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

/// <summary>
/// A channel Conveyor can consume. The channel owns the receive loop: ordering, concurrency and acknowledgement
/// (for Kafka: partitions, keys, offsets and rebalances); Conveyor hands it a handler that returns only when a
/// message is finished — handled, retried later, dead-lettered or resolved by the final failure strategy.
/// </summary>
public interface IReceivingChannel : IMessageChannel
{
    /// <summary>Receives until <paramref name="cancellationToken"/> is cancelled, the handler asks to stop, or (optionally) nothing is left.</summary>
    /// <param name="handler">Processes one message and says what to do with it.</param>
    /// <param name="options">How to run.</param>
    /// <param name="cancellationToken">
    /// Stops the loop gracefully: no new message is handed out, in-flight messages finish and are acknowledged. It is not
    /// passed on to the handler; the consumer decides how long in-flight handlers may take (<see cref="ConveyorOptions.ShutdownTimeout"/>).
    /// </param>
    /// <returns>What the run did.</returns>
    Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// The dead letter this channel keeps its finally failed messages in (for Kafka: the dead-letter topic), or null
    /// to use the application's <see cref="Failures.DeadLetters.IDeadLetterStore"/>.
    /// </summary>
    Failures.DeadLetters.IDeadLetterStore? DeadLetters { get; }

    /// <summary>
    /// The final failure strategy the channel was configured with once created (e.g. from a transport's configuration
    /// section), or null for the one given at registration, else the global one. An endpoint's
    /// <see cref="FinalFailureAttribute"/> still wins.
    /// </summary>
    FinalFailureStrategy? FinalFailureStrategy { get; }

    /// <summary>
    /// Delivers <paramref name="message"/> again to this channel's own consumers only: a delayed retry, a replayed dead
    /// letter. A Kafka channel writes it to its consumer group's retry topic so that other groups reading the same topic
    /// never see it. A due time (<see cref="TransportMessage.DeliverAt"/>) is honoured as in <see cref="IMessageChannel.SendAsync"/>.
    /// </summary>
    /// <param name="message">The message, addressed to its endpoint.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes once the message is stored.</returns>
    ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// How many messages wait to be consumed (for Kafka: the consumer group's lag over all partitions), or null when
    /// unknown (<see cref="ChannelCapabilities.ReportsLag"/> is false).
    /// </summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The lag.</returns>
    ValueTask<long?> GetLagAsync(CancellationToken cancellationToken);
}

/// <summary>Processes one received message and tells the channel what to do with it.</summary>
/// <param name="message">The message.</param>
/// <param name="cancellationToken">
/// Cancelled only when the channel loses the message (e.g. its Kafka partition is revoked); <see cref="CancellationToken.None"/>
/// when it cannot. A graceful stop does not cancel it.
/// </param>
/// <returns>The acknowledgement.</returns>
public delegate ValueTask<Acknowledgement> InboundMessageHandler(InboundMessage message, CancellationToken cancellationToken);

/// <summary>What a channel does with a message once its handler is done.</summary>
public enum Acknowledgement
{
    /// <summary>The message is finished: acknowledge it (for Kafka: its offset may be committed).</summary>
    Completed,

    /// <summary>Deliver the same message again, in place, keeping order.</summary>
    Release,

    /// <summary>Stop the consumer without acknowledging the message.</summary>
    Stop,
}

/// <summary>How a receive loop runs.</summary>
public sealed record ReceiveOptions
{
    /// <summary>Return once nothing is deliverable instead of waiting for more.</summary>
    public bool StopWhenEmpty { get; init; }
}

/// <summary>What a receive loop did.</summary>
/// <param name="Completed">Messages acknowledged as completed.</param>
/// <param name="StoppedOn">The message the loop stopped on (<see cref="Acknowledgement.Stop"/>), if any.</param>
public sealed record ReceiveSummary(long Completed, string? StoppedOn = null);
