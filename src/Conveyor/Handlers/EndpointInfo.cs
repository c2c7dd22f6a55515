using System.Reflection;

namespace Conveyor;

/// <summary>What kind of handler an endpoint is.</summary>
public enum EndpointKind
{
    /// <summary>A <see cref="CommandHandlerAttribute"/> method.</summary>
    Command,

    /// <summary>An <see cref="EventHandlerAttribute"/> method.</summary>
    Event,

    /// <summary>A <see cref="QueryHandlerAttribute"/> method.</summary>
    Query,

    /// <summary>An <see cref="InternalHandlerAttribute"/> method, or an <see cref="OrchestratorAttribute"/> one (reached by its name the same way).</summary>
    Internal,

    /// <summary>A method fed directly by its own inbound source, such as <c>[KafkaConsumer]</c>.</summary>
    Consumer,
}

/// <summary>The description of one handler endpoint, as interceptors, <c>conveyor list</c> and diagnostics see it.</summary>
public sealed class EndpointInfo
{
    internal EndpointInfo(string endpointId, EndpointKind kind, Type handlerType, MethodInfo method, Type? payloadType, string? channel, string? routing, IReadOnlyList<string>? via = null)
    {
        Via = via ?? [];
        EndpointId = endpointId;
        Kind = kind;
        HandlerType = handlerType;
        Method = method;
        PayloadType = payloadType;
        Channel = channel;
        Routing = routing;
        IsAsynchronous = kind == EndpointKind.Consumer || (channel is not null && kind != EndpointKind.Internal);
    }

    /// <summary>The endpoint id.</summary>
    public string EndpointId { get; }

    /// <summary>The kind of handler.</summary>
    public EndpointKind Kind { get; }

    /// <summary>The class declaring the handler method.</summary>
    public Type HandlerType { get; }

    /// <summary>The handler method.</summary>
    public MethodInfo Method { get; }

    /// <summary>The payload type the handler takes, if it takes one.</summary>
    public Type? PayloadType { get; }

    /// <summary>The channel the endpoint consumes from: the asynchronous channel, or the input channel of an internal handler.</summary>
    public string? Channel { get; }

    /// <summary>
    /// The channels a message for the endpoint passes through before <see cref="Channel"/>, in order (a chain,
    /// <c>[Asynchronous("db", "kafka")]</c>): it is sent to the first and forwarded from each to the next. Empty for one channel.
    /// </summary>
    public IReadOnlyList<string> Via { get; }

    /// <summary>The channel a message for the endpoint is sent to: the first of its chain, else <see cref="Channel"/>.</summary>
    public string? EntryChannel => Via.Count > 0 ? Via[0] : Channel;

    /// <summary>The channel a message received on <paramref name="channel"/> goes on to, or null when it is handled there.</summary>
    /// <param name="channel">The channel it was received from.</param>
    /// <returns>The next channel of the chain.</returns>
    public string? NextChannelAfter(string channel)
    {
        for (var i = 0; i < Via.Count; i++)
        {
            if (string.Equals(Via[i], channel, StringComparison.Ordinal))
            {
                return i + 1 < Via.Count ? Via[i + 1] : Channel;
            }
        }

        return null;
    }

    /// <summary>The routing key or pattern the endpoint is reachable by, if any.</summary>
    public string? Routing { get; }

    /// <summary>
    /// Whether the handler takes a batch (<c>IReadOnlyList&lt;T&gt;</c> or <c>IReadOnlyList&lt;Received&lt;T&gt;&gt;</c>);
    /// <see cref="PayloadType"/> is then <c>T</c>, the type of one message.
    /// </summary>
    public bool IsBatch { get; internal init; }

    /// <summary>Whether messages reach the endpoint through a channel rather than in-process.</summary>
    public bool IsAsynchronous { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => EndpointId;
}
