namespace Conveyor.Channels.Database;

/// <summary>A message a consumer of a <see cref="DatabaseChannel"/> leased.</summary>
/// <param name="Id">Its row id, increasing in the order messages were inserted.</param>
/// <param name="Message">
/// The message; when its row could not be decoded, a message with the row's raw body and its row id as message id.
/// </param>
/// <param name="ReadError">Why the row could not be decoded, or null. Such a message goes to the dead letter with this reason.</param>
public sealed record LeasedMessage(long Id, TransportMessage Message, string? ReadError = null);
