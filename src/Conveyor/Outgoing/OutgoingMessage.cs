using Conveyor.Channels;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Outgoing;

/// <summary>One message leaving the application, as every <see cref="IOutgoingMiddleware"/> sees it.</summary>
public sealed class OutgoingMessage
{
    /// <summary>Creates an outgoing message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="destination">The channel (or named publisher) it goes to; for a dead letter, the channel it failed on.</param>
    /// <param name="intent">What it is on its way to do.</param>
    public OutgoingMessage(TransportMessage message, string destination, OutgoingIntent intent)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        Message = message;
        Destination = destination;
        Intent = intent;
    }

    /// <summary>The message; middleware may change its headers (e.g. a trace context).</summary>
    public TransportMessage Message { get; }

    /// <summary>The channel (or named publisher) it goes to; for a dead letter, the channel it failed on.</summary>
    public string Destination { get; }

    /// <summary>What it is on its way to do.</summary>
    public OutgoingIntent Intent { get; }

    /// <summary>The received message it is a copy of, for <see cref="OutgoingIntent.Resend"/> and <see cref="OutgoingIntent.DeadLetter"/>.</summary>
    public InboundMessage? Source { get; init; }

    /// <summary>
    /// The unit of work of the received message whose handler sent this message, when it is handed over before that
    /// unit of work commits: an outbox middleware writes the message in its transaction instead of sending it. Null for
    /// a message sent outside a received message, and for failure handling's messages (sent after a rollback).
    /// </summary>
    public UnitOfWork.IUnitOfWork? UnitOfWork { get; set; }

    /// <summary>The dead letter to keep, for <see cref="OutgoingIntent.DeadLetter"/>.</summary>
    public DeadLetter? DeadLetter { get; init; }

    /// <summary>
    /// What the destination reported once it had the message (e.g. where a Kafka publisher wrote the record), when it
    /// is an <see cref="IDeliveryReportingChannel"/>; null otherwise.
    /// </summary>
    public object? Receipt { get; set; }
}
