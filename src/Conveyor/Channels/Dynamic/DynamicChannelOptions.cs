namespace Conveyor.Channels.Dynamic;

/// <summary>
/// How a dynamic channel sends and receives: one sending strategy (<c>Send…</c>) and at most one receiving strategy
/// (<c>Receive…</c>; round robin over every sub-channel it sends to when none is chosen). Every name is a channel
/// registered in the same <c>AddConveyor</c> (in-memory, database, Kafka…); start-up fails naming any that is not.
/// </summary>
public sealed class DynamicChannelOptions
{
    internal SendingStrategy? Sending { get; private set; }

    internal ReceivingStrategy? Receiving { get; private set; }

    /// <summary>
    /// How long the receive loop waits when no sub-channel had a message (or every one was skipped) before it asks
    /// them again. Default: 200 ms.
    /// </summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Sends each message to the sub-channel its header <paramref name="headerName"/> maps to in
    /// <paramref name="mapping"/> (e.g. a tenant to its channel). A message whose value is not mapped, or that has no
    /// such header, goes to <paramref name="defaultChannel"/>; with no default, sending it fails with an error naming
    /// the value.
    /// </summary>
    /// <param name="headerName">The header, e.g. <c>tenant</c>.</param>
    /// <param name="mapping">Header value to sub-channel name.</param>
    /// <param name="defaultChannel">The sub-channel for any other value, or null for none.</param>
    /// <returns>The options.</returns>
    public DynamicChannelOptions SendByHeader(string headerName, IReadOnlyDictionary<string, string> mapping, string? defaultChannel = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        ArgumentNullException.ThrowIfNull(mapping);
        return SetSending(new HeaderSending(headerName, new Dictionary<string, string>(mapping, StringComparer.Ordinal), defaultChannel));
    }

    /// <summary>Sends each message to the next of <paramref name="channels"/> in turn.</summary>
    /// <param name="channels">The sub-channels.</param>
    /// <returns>The options.</returns>
    public DynamicChannelOptions SendRoundRobin(params string[] channels) => SetSending(new RoundRobinSending(Names(channels)));

    /// <summary>
    /// Sends each message where <typeparamref name="TDecider"/> says: one of <paramref name="channels"/>, or nowhere
    /// (the message is discarded and logged). The decider must be registered in DI.
    /// </summary>
    /// <typeparam name="TDecider">The decider.</typeparam>
    /// <param name="channels">Every sub-channel the decider may name.</param>
    /// <returns>The options.</returns>
    public DynamicChannelOptions SendWith<TDecider>(params string[] channels)
        where TDecider : class, ISendingChannelDecider =>
        SetSending(new CustomSending(typeof(TDecider), Names(channels)));

    /// <summary>Receives from <paramref name="channels"/> in turn, one message from each that has one.</summary>
    /// <param name="channels">The sub-channels; none: every sub-channel the sending strategy names.</param>
    /// <returns>The options.</returns>
    public DynamicChannelOptions ReceiveRoundRobin(params string[] channels) => SetReceiving(new RoundRobinReceiving(channels, null));

    /// <summary>
    /// Receives from <paramref name="channels"/> in turn, asking <typeparamref name="TDecider"/> before each take whether
    /// to take from that sub-channel at all; one it skips keeps its messages untouched. The decider must be registered in DI.
    /// </summary>
    /// <typeparam name="TDecider">The decider.</typeparam>
    /// <param name="channels">The sub-channels; none: every sub-channel the sending strategy names.</param>
    /// <returns>The options.</returns>
    public DynamicChannelOptions ReceiveThrottled<TDecider>(params string[] channels)
        where TDecider : class, IConsumptionDecider =>
        SetReceiving(new RoundRobinReceiving(channels, typeof(TDecider)));

    /// <summary>
    /// Receives from the sub-channel <typeparamref name="TDecider"/> names for each take. The decider must be
    /// registered in DI.
    /// </summary>
    /// <typeparam name="TDecider">The decider.</typeparam>
    /// <param name="channels">The sub-channels it chooses among; none: every sub-channel the sending strategy names.</param>
    /// <returns>The options.</returns>
    public DynamicChannelOptions ReceiveWith<TDecider>(params string[] channels)
        where TDecider : class, IReceivingChannelDecider =>
        SetReceiving(new CustomReceiving(channels, typeof(TDecider)));

    /// <summary>What is wrong with the options, each problem with how to fix it.</summary>
    internal List<string> Validate(string name)
    {
        var errors = new List<string>();
        if (Sending is null)
        {
            errors.Add($"Dynamic channel '{name}' has no sending strategy: call SendByHeader, SendRoundRobin or SendWith in AddDynamicChannel(\"{name}\", ...).");
        }
        else if (Sending.Channels.Count == 0)
        {
            errors.Add($"Dynamic channel '{name}' sends to no sub-channel: name at least one.");
        }

        if (IdlePollInterval <= TimeSpan.Zero)
        {
            errors.Add($"Dynamic channel '{name}': IdlePollInterval {IdlePollInterval:c} must be positive, e.g. TimeSpan.FromMilliseconds(200).");
        }

        return errors;
    }

    private DynamicChannelOptions SetSending(SendingStrategy strategy)
    {
        if (Sending is not null)
        {
            throw new ConveyorConfigurationException("A dynamic channel has one sending strategy: call only one of SendByHeader, SendRoundRobin and SendWith.");
        }

        Sending = strategy;
        return this;
    }

    private DynamicChannelOptions SetReceiving(ReceivingStrategy strategy)
    {
        if (Receiving is not null)
        {
            throw new ConveyorConfigurationException("A dynamic channel has one receiving strategy: call only one of ReceiveRoundRobin, ReceiveThrottled and ReceiveWith.");
        }

        Receiving = strategy;
        return this;
    }

    private static string[] Names(string[] channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        foreach (var channel in channels)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(channel, nameof(channels));
        }

        return channels;
    }
}
