namespace Conveyor.Channels.Dynamic;

/// <summary>
/// A dynamic channel's custom sending strategy (<see cref="DynamicChannelOptions.SendWith{TDecider}"/>): picks the
/// sub-channel a message goes to. Resolved from DI in a scope of its own for every message, so it may use scoped
/// services such as a database context.
/// </summary>
public interface ISendingChannelDecider
{
    /// <summary>Chooses the sub-channel for <paramref name="message"/>.</summary>
    /// <param name="message">The message being sent, with its headers.</param>
    /// <param name="cancellationToken">Cancels the decision.</param>
    /// <returns>One of the sub-channels the strategy was declared with, or null to discard the message (logged).</returns>
    ValueTask<string?> ChooseChannelAsync(TransportMessage message, CancellationToken cancellationToken);
}
