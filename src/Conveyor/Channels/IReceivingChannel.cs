namespace Conveyor.Channels;

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
    /// Takes one message if one is deliverable now, hands it to <paramref name="handler"/> and acts on its
    /// acknowledgement as the receive loop would; returns at once (after at most a short poll) when there is none.
    /// It is the pull primitive composite channels (a dynamic channel) build their own receive loop from: a message is
    /// only taken when it is asked for, so a channel that is not asked keeps its messages untouched.
    /// </summary>
    /// <param name="handler">Processes the message and says what to do with it.</param>
    /// <param name="cancellationToken">Cancels the wait for a message; once a message is handed out it is not passed on to the handler.</param>
    /// <returns>
    /// The handler's acknowledgement, or null when nothing was deliverable. <see cref="Acknowledgement.Release"/> leaves
    /// the message to be taken again; <see cref="Acknowledgement.Stop"/> leaves it for the next consumer.
    /// </returns>
    ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken);

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
