namespace Conveyor.Channels.Dynamic;

/// <summary>How a dynamic channel picks the sub-channel its next message is taken from.</summary>
/// <param name="declared">The sub-channels as declared; empty for every sub-channel the sending strategy names.</param>
/// <param name="decider">The decider type, if any.</param>
internal abstract class ReceivingStrategy(IReadOnlyList<string> declared, Type? decider)
{
    public IReadOnlyList<string> Declared { get; } = declared;

    public Type? Decider { get; } = decider;

    /// <summary>Takes one message from the sub-channel(s) the strategy picks, or returns null when none had one.</summary>
    public abstract ValueTask<Acknowledgement?> TakeAsync(DynamicChannel channel, InboundMessageHandler handler, CancellationToken cancellationToken);

    /// <summary>How <c>conveyor list</c> shows it.</summary>
    public abstract string Describe(IReadOnlyList<string> channels);
}

/// <summary>
/// One message from the next sub-channel in turn that has one; with a consumption decider, a sub-channel it declines
/// is passed over without being asked for a message.
/// </summary>
internal sealed class RoundRobinReceiving(IReadOnlyList<string> declared, Type? decider) : ReceivingStrategy(declared, decider)
{
    private int _cursor;

    public override async ValueTask<Acknowledgement?> TakeAsync(DynamicChannel channel, InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        var subChannels = channel.ReceivingChannels;
        var start = Volatile.Read(ref _cursor);
        for (var i = 0; i < subChannels.Count; i++)
        {
            var index = (start + i) % subChannels.Count;
            var subChannel = subChannels[index];
            if (Decider is not null
                && !await channel.Deciders.AskAsync<IConsumptionDecider, bool>(Decider, d => d.ShouldConsumeAsync(subChannel.Name, cancellationToken)).ConfigureAwait(false))
            {
                channel.Skipped(subChannel.Name);
                continue;
            }

            if (await subChannel.TryReceiveAsync(handler, cancellationToken).ConfigureAwait(false) is { } acknowledgement)
            {
                Volatile.Write(ref _cursor, (index + 1) % subChannels.Count);
                return acknowledgement;
            }
        }

        return null;
    }

    public override string Describe(IReadOnlyList<string> channels) =>
        Decider is null ? $"round robin over {string.Join(", ", channels)}" : $"throttled by {Decider.Name}, round robin over {string.Join(", ", channels)}";
}

/// <summary>An <see cref="IReceivingChannelDecider"/> names the sub-channel for each take.</summary>
internal sealed class CustomReceiving(IReadOnlyList<string> declared, Type decider) : ReceivingStrategy(declared, decider)
{
    public override async ValueTask<Acknowledgement?> TakeAsync(DynamicChannel channel, InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        var names = channel.ReceivingChannelNames;
        var chosen = await channel.Deciders.AskAsync<IReceivingChannelDecider, string?>(Decider!, d => d.NextChannelAsync(names, cancellationToken)).ConfigureAwait(false);
        if (chosen is null)
        {
            return null;
        }

        var subChannel = channel.ReceivingChannels.FirstOrDefault(c => c.Name == chosen)
            ?? throw new ConveyorException(
                $"Dynamic channel '{channel.Name}': receiving decider {Decider!.Name} chose '{chosen}', which is not one of its receiving sub-channels ({string.Join(", ", names)}). Return one of them, or null to take nothing now.");
        return await subChannel.TryReceiveAsync(handler, cancellationToken).ConfigureAwait(false);
    }

    public override string Describe(IReadOnlyList<string> channels) => $"custom ({Decider!.Name}) over {string.Join(", ", channels)}";
}
