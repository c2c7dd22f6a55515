namespace Conveyor.Channels.Dynamic;

/// <summary>
/// A dynamic channel's throttling decision (<see cref="DynamicChannelOptions.ReceiveThrottled{TDecider}"/>): asked
/// before each take from a sub-channel whether to take from it at all. A sub-channel it skips keeps its messages
/// untouched: they are not received, rescheduled or counted as attempts. Resolved from DI in a scope of its own for
/// every decision.
/// </summary>
public interface IConsumptionDecider
{
    /// <summary>Whether to take a message from <paramref name="channelName"/> now.</summary>
    /// <param name="channelName">The sub-channel about to be asked for a message.</param>
    /// <param name="cancellationToken">Cancels the decision.</param>
    /// <returns><see langword="true"/> to take from it, <see langword="false"/> to skip it this time.</returns>
    ValueTask<bool> ShouldConsumeAsync(string channelName, CancellationToken cancellationToken);
}
