namespace Conveyor.Channels;

/// <summary>
/// A message as a receive loop delivers it, with what the channel can do with it besides acknowledging: append it
/// again at the end of its source (<see cref="FinalFailureStrategy.Resend"/>, fan-out copies).
/// </summary>
public abstract class InboundMessage(TransportMessage message, string channelName)
{
    /// <summary>The message; transport metadata such as <c>kafka_topic</c> is in its headers.</summary>
    public TransportMessage Message { get; } = message;

    /// <summary>The channel it was received from.</summary>
    public string ChannelName { get; } = channelName;

    /// <summary>
    /// The batch the channel delivers this message in, for batch handlers (<see cref="ReceiveOptions.Batched"/>), or null
    /// when it is delivered alone.
    /// </summary>
    public InboundBatch? Batch { get; init; }

    /// <summary>Its place in <see cref="Batch"/>, from 0: the order the batch handler sees.</summary>
    public int BatchIndex { get; init; }

    /// <summary>Where it was read from, for logs and dead letters (e.g. <c>orders@15</c>).</summary>
    public abstract string Position { get; }

    /// <summary>
    /// Where it was read from, as typed values for its trace span (its source, partition and offset); read for every
    /// traced message, so a transport answers from what it holds rather than from its metadata headers. Default: none,
    /// the span names the channel.
    /// </summary>
    public virtual MessageOrigin Origin => default;

    /// <summary>
    /// Why the transport could not read the message (e.g. a header that is not valid UTF-8), or null. Such a message
    /// goes straight to the dead letter with this reason.
    /// </summary>
    public virtual string? ReadError => null;

    /// <summary>
    /// Cancelled as soon as the channel gives this delivery up (for Kafka: its partition is revoked or lost, or the
    /// consumer stops), while the handler's own token may still grant a grace period to work in progress. Waits
    /// that do no work, such as a delayed retry waiting in place, end on it at once instead of holding the hand-over;
    /// the message is then delivered again to whoever consumes the channel next. Never cancelled by default.
    /// </summary>
    public virtual CancellationToken Revoked => CancellationToken.None;

    /// <summary>Appends <paramref name="message"/> at the end of the source this message came from.</summary>
    /// <param name="message">The message to append (usually a copy of <see cref="Message"/>).</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes once it is stored.</returns>
    public abstract ValueTask ResendAsync(TransportMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Called in the unit of work the message's handler ran in, just before it commits: a channel whose acknowledgement
    /// is a write to the same database (a database channel deleting the message's row) makes it there, so that it
    /// commits with the handler's work or not at all. Does nothing by default: the channel acknowledges afterwards.
    /// </summary>
    /// <param name="unitOfWork">The unit of work about to commit.</param>
    /// <param name="cancellationToken">Cancels the acknowledgement.</param>
    /// <returns>A task that completes once the acknowledgement is part of the unit of work.</returns>
    public virtual ValueTask AcknowledgeInAsync(UnitOfWork.IUnitOfWork unitOfWork, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
