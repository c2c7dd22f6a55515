namespace Conveyor;

/// <summary>The common part of the handler attributes: the endpoint id and the output channel.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public abstract class HandlerAttribute : Attribute
{
    /// <summary>
    /// The endpoint's stable id. Asynchronous messages are addressed to it on the wire, retries and dead letters
    /// are kept per endpoint, and <c>conveyor run</c> accepts it. Defaults to <c>HandlerClass.Method</c>;
    /// set it explicitly for asynchronous handlers so that renaming the method never strands messages in flight.
    /// </summary>
    public string? EndpointId { get; set; }

    /// <summary>A channel the handler's return value is sent to, for chaining handlers.</summary>
    public string? OutputChannel { get; set; }
}

/// <summary>Marks a method that handles a command: exactly one handler per command type or routing key.</summary>
/// <param name="routingKey">An optional routing key the handler is also reachable by.</param>
public sealed class CommandHandlerAttribute(string? routingKey = null) : HandlerAttribute
{
    /// <summary>The routing key, if any.</summary>
    public string? RoutingKey { get; } = routingKey;
}

/// <summary>
/// Marks a method that handles an event. Every matching handler runs; with <see cref="AsynchronousAttribute"/>
/// each gets its own copy of the event.
/// </summary>
/// <param name="routingPattern">An optional routing-key pattern (<c>*</c> matches any run of characters, e.g. <c>order.*</c>).</param>
public sealed class EventHandlerAttribute(string? routingPattern = null) : HandlerAttribute
{
    /// <summary>The routing pattern, if any.</summary>
    public string? RoutingPattern { get; } = routingPattern;
}

/// <summary>Marks a method that answers a query. Query handlers run in-process and return a result.</summary>
/// <param name="routingKey">An optional routing key the handler is also reachable by.</param>
public sealed class QueryHandlerAttribute(string? routingKey = null) : HandlerAttribute
{
    /// <summary>The routing key, if any.</summary>
    public string? RoutingKey { get; } = routingKey;
}

/// <summary>
/// Marks a method that handles whatever is sent to <paramref name="inputChannelName"/>: a step of a chain
/// (another handler's <see cref="HandlerAttribute.OutputChannel"/>), an error channel, or an orchestrator step.
/// </summary>
/// <param name="inputChannelName">The channel name this handler listens on.</param>
public sealed class InternalHandlerAttribute(string inputChannelName) : HandlerAttribute
{
    /// <summary>The input channel name.</summary>
    public string InputChannelName { get; } = inputChannelName;
}

/// <summary>
/// Makes a command or event handler asynchronous: messages for it go through <paramref name="channelNames"/>. With one
/// channel, the message is sent to it and handled when received from it. With several, a chain: the message is sent to
/// the first; received there, it is forwarded to the next; the handler runs when it is received from the last — e.g.
/// <c>[Asynchronous("outbox_db", "orders_kafka")]</c> commits the message with the sender's transaction, then publishes it.
/// </summary>
/// <param name="channelNames">Channels registered with the builder (in-memory, Kafka, database, …), in the order the message passes them.</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AsynchronousAttribute(params string[] channelNames) : Attribute
{
    /// <summary>The channels, in the order the message passes them.</summary>
    public IReadOnlyList<string> ChannelNames { get; } = channelNames ?? [];

    /// <summary>The channel the handler receives from: the last one.</summary>
    public string ChannelName => ChannelNames.Count > 0 ? ChannelNames[^1] : "";
}

/// <summary>Binds a handler parameter to a message header, e.g. <c>[Header("kafka_topic")] string topic</c>.</summary>
/// <param name="name">The header name.</param>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class HeaderAttribute(string name) : Attribute
{
    /// <summary>The header name.</summary>
    public string Name { get; } = name;
}
