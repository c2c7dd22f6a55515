namespace Conveyor.Outbox;

/// <summary>A message claimed from the outbox for relay.</summary>
/// <param name="Id">The row's id: increasing in append order within a lane.</param>
/// <param name="Lane">The lane.</param>
/// <param name="Channel">The channel (or named publisher) it goes to.</param>
/// <param name="Message">
/// The message; when the row could not be read back (<paramref name="Error"/> is set), a message with the raw body and
/// no headers, for the dead letter.
/// </param>
/// <param name="Error">Why the row could not be read back (e.g. its headers are corrupt), or null for a good row.</param>
public sealed record OutboxRow(long Id, int Lane, string Channel, TransportMessage Message, string? Error = null);
