namespace Conveyor.Outgoing;

/// <summary>What an <see cref="OutgoingMessage"/> is on its way to do.</summary>
public enum OutgoingIntent
{
    /// <summary>Go to a channel (or named publisher) for every consumer of it: a sent command, a published event, an output or error channel.</summary>
    Send,

    /// <summary>Go back to a channel's own consumers only: a delayed retry, a replayed dead letter.</summary>
    Redeliver,

    /// <summary>Be appended at the end of the source a received message came from: fan-out copies, the Resend strategy.</summary>
    Resend,

    /// <summary>Be kept in the dead letter of the channel it failed on.</summary>
    DeadLetter,
}
