using System.Diagnostics.CodeAnalysis;

namespace Conveyor.Channels;

/// <summary>
/// The application's channels, as the runtime built them from <c>AddConveyor</c>: those registered by name
/// (<c>AddInMemoryChannel</c>, <c>AddKafkaChannel</c>, <c>AddChannel</c>) and those of consumer endpoints (e.g.
/// <c>[KafkaConsumer]</c>), which carry the endpoint id as their name. A transport finds its own channels here by the
/// interface or capabilities they expose, never by their concrete type. Resolve it from DI; the first use builds the
/// runtime, so a configuration error surfaces there.
/// </summary>
public interface IChannelRegistry
{
    /// <summary>Every channel name, ordered.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Looks a channel up by name.</summary>
    /// <param name="name">The channel name.</param>
    /// <param name="channel">The channel, when there is one.</param>
    /// <returns>Whether there is a channel named <paramref name="name"/>.</returns>
    bool TryGet(string name, [NotNullWhen(true)] out IMessageChannel? channel);

    /// <summary>
    /// The kind the channel was registered with (<c>in-memory</c>, <c>kafka</c>, <c>kafka-publisher</c>, or what a
    /// transport passed to <c>AddChannel</c>); for logs and the command line.
    /// </summary>
    /// <param name="name">The channel name.</param>
    /// <returns>The kind.</returns>
    /// <exception cref="KeyNotFoundException">There is no channel named <paramref name="name"/>.</exception>
    string KindOf(string name);

    /// <summary>The channel an asynchronous or consumer endpoint receives from, or null for a synchronous or unknown endpoint.</summary>
    /// <param name="endpointId">The endpoint id.</param>
    /// <returns>The channel name.</returns>
    string? ChannelOfEndpoint(string endpointId);
}
