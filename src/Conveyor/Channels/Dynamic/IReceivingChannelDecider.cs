namespace Conveyor.Channels.Dynamic;

/// <summary>
/// A dynamic channel's custom receiving strategy (<see cref="DynamicChannelOptions.ReceiveWith{TDecider}"/>): names the
/// sub-channel to take the next message from. Resolved from DI in a scope of its own for every decision.
/// </summary>
public interface IReceivingChannelDecider
{
    /// <summary>Chooses the sub-channel to take the next message from.</summary>
    /// <param name="channelNames">The receiving sub-channels, in the order they were declared.</param>
    /// <param name="cancellationToken">Cancels the decision.</param>
    /// <returns>One of <paramref name="channelNames"/>, or null to take nothing now (the loop waits its idle interval).</returns>
    ValueTask<string?> NextChannelAsync(IReadOnlyList<string> channelNames, CancellationToken cancellationToken);
}
