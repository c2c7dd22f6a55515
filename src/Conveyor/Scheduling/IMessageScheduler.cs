namespace Conveyor.Scheduling;

/// <summary>
/// Holds messages whose due time is further away than their channel can wait itself
/// (<see cref="Channels.ChannelCapabilities.MaxDeliveryDelay"/>) and sends them when they are due. The in-memory
/// scheduler forgets them on restart; a database scheduler (SQLite, PostgreSQL) keeps them.
/// </summary>
public interface IMessageScheduler
{
    /// <summary>Whether scheduled messages survive a restart of the process.</summary>
    bool IsDurable { get; }

    /// <summary>Stores <paramref name="message"/> until it is due.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once the message is stored.</returns>
    ValueTask ScheduleAsync(ScheduledMessage message, CancellationToken cancellationToken);

    /// <summary>How many messages wait to be due.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The count.</returns>
    ValueTask<long> CountPendingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends every message that is due through <paramref name="deliver"/> until <paramref name="cancellationToken"/> is
    /// cancelled; a message whose delivery throws stays scheduled and is tried again after a back-off. The host runs it
    /// once per application.
    /// </summary>
    /// <param name="deliver">Sends a due message.</param>
    /// <param name="cancellationToken">Stops the scheduler.</param>
    /// <returns>A task that completes when it stopped.</returns>
    Task RunAsync(ScheduledDelivery deliver, CancellationToken cancellationToken);
}
