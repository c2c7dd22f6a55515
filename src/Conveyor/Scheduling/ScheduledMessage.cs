namespace Conveyor.Scheduling;

/// <summary>A message held by an <see cref="IMessageScheduler"/> until it is due.</summary>
/// <param name="Channel">The channel it goes to.</param>
/// <param name="Message">The message, without its due time.</param>
/// <param name="DueAt">When it is due.</param>
/// <param name="Redeliver">
/// Whether it goes to the channel's own consumers only (<see cref="Channels.IReceivingChannel.RedeliverAsync"/>: a
/// delayed retry) rather than to the channel (<see cref="Channels.IMessageChannel.SendAsync"/>).
/// </param>
public sealed record ScheduledMessage(string Channel, TransportMessage Message, DateTimeOffset DueAt, bool Redeliver);
