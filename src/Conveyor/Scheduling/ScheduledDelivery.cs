namespace Conveyor.Scheduling;

/// <summary>Sends a scheduled message that is due to its channel; throws when it could not, so that the scheduler tries again.</summary>
/// <param name="message">The message.</param>
/// <param name="cancellationToken">Cancels the send.</param>
/// <returns>A task that completes once the channel has the message.</returns>
public delegate ValueTask ScheduledDelivery(ScheduledMessage message, CancellationToken cancellationToken);
