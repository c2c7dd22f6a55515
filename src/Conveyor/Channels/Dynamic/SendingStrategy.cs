using Conveyor.Diagnostics;

namespace Conveyor.Channels.Dynamic;

/// <summary>How a dynamic channel picks the sub-channel a message is sent to.</summary>
internal abstract class SendingStrategy(IReadOnlyList<string> channels)
{
    /// <summary>Every sub-channel it may pick.</summary>
    public IReadOnlyList<string> Channels { get; } = channels;

    /// <summary>The decider type to check at start-up, if any.</summary>
    public virtual Type? Decider => null;

    /// <summary>The sub-channel for <paramref name="message"/>, or null to discard it.</summary>
    public abstract ValueTask<string?> ChooseAsync(string dynamicChannel, TransportMessage message, Deciders deciders, CancellationToken cancellationToken);

    /// <summary>How <c>conveyor list</c> shows it.</summary>
    public abstract string Describe();
}

/// <summary>A header's value picks the sub-channel; unmapped values go to the default (Ecotone's documented behaviour).</summary>
internal sealed class HeaderSending(string header, Dictionary<string, string> mapping, string? defaultChannel)
    : SendingStrategy([.. mapping.Values.Append(defaultChannel).OfType<string>().Distinct(StringComparer.Ordinal)])
{
    public override ValueTask<string?> ChooseAsync(string dynamicChannel, TransportMessage message, Deciders deciders, CancellationToken cancellationToken)
    {
        var value = message.Headers.Get(header);
        if (value is not null && mapping.TryGetValue(value, out var mapped))
        {
            return ValueTask.FromResult<string?>(mapped);
        }

        return defaultChannel is not null
            ? ValueTask.FromResult<string?>(defaultChannel)
            : throw new ConveyorException(value is null
                ? $"Dynamic channel '{dynamicChannel}' cannot send message {message.MessageId}: it has no '{header}' header and the channel has no default sub-channel. Set the header when sending, or give SendByHeader a defaultChannel."
                : $"Dynamic channel '{dynamicChannel}' cannot send message {message.MessageId}: its '{header}' header value '{value}' maps to no sub-channel and the channel has no default. Map '{value}' in SendByHeader, or give it a defaultChannel.");
    }

    public override string Describe() =>
        $"by header '{header}': {string.Join(", ", mapping.Select(m => $"{m.Key}->{m.Value}"))}{(defaultChannel is null ? ", no default" : $", default {defaultChannel}")}";
}

/// <summary>Each message to the next sub-channel in turn.</summary>
internal sealed class RoundRobinSending(IReadOnlyList<string> channels) : SendingStrategy(channels)
{
    private long _next = -1;

    public override ValueTask<string?> ChooseAsync(string dynamicChannel, TransportMessage message, Deciders deciders, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(Channels[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)Channels.Count)]);

    public override string Describe() => $"round robin over {string.Join(", ", Channels)}";
}

/// <summary>An <see cref="ISendingChannelDecider"/> picks the sub-channel, or none to discard.</summary>
internal sealed class CustomSending(Type decider, IReadOnlyList<string> channels) : SendingStrategy(channels)
{
    public override Type? Decider => decider;

    public override async ValueTask<string?> ChooseAsync(string dynamicChannel, TransportMessage message, Deciders deciders, CancellationToken cancellationToken)
    {
        var chosen = await deciders.AskAsync<ISendingChannelDecider, string?>(decider, d => d.ChooseChannelAsync(message, cancellationToken)).ConfigureAwait(false);
        if (chosen is not null && !Channels.Contains(chosen, StringComparer.Ordinal))
        {
            throw new ConveyorException(
                $"Dynamic channel '{dynamicChannel}': sending decider {decider.Name} chose '{chosen}', which is not one of its sub-channels ({string.Join(", ", Channels)}). Return one of them, or declare '{chosen}' in SendWith.");
        }

        return chosen;
    }

    public override string Describe() => $"custom ({decider.Name}) over {string.Join(", ", Channels)}";
}
