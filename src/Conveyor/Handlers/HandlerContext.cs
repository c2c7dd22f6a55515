using Conveyor.Outgoing;

namespace Conveyor;

/// <summary>
/// One invocation of a handler: the endpoint, the payload, the headers, the DI scope and the cancellation token.
/// Interceptors receive it; <see cref="Current"/> exposes it to code running inside a handler.
/// </summary>
public sealed class HandlerContext
{
    private static readonly AsyncLocal<HandlerContext?> Ambient = new();
    private MessageHeaders? _headers;
    private readonly IReadOnlyDictionary<string, string>? _metadata;

    /// <summary>The invocation of a received message, whose messages sent while handling wait in <paramref name="pending"/>.</summary>
    internal HandlerContext(EndpointInfo endpoint, object? payload, MessageHeaders headers, IServiceProvider services, TimeProvider time, PendingMessages? pending, CancellationToken cancellationToken)
    {
        Endpoint = endpoint;
        Payload = payload;
        _headers = headers;
        Services = services;
        Time = time;
        Pending = pending;
        CancellationToken = cancellationToken;
    }

    /// <summary>An in-process invocation whose headers are built only if someone reads them.</summary>
    internal HandlerContext(EndpointInfo endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, IServiceProvider services, TimeProvider time, CancellationToken cancellationToken)
    {
        Endpoint = endpoint;
        Payload = payload;
        _metadata = metadata;
        Parent = parent;
        Services = services;
        Time = time;
        Pending = parent?.Pending;
        CancellationToken = cancellationToken;
    }

    /// <summary>
    /// The invocation running on this async flow, or <see langword="null"/> outside handlers. Inside a synchronous
    /// handler method it is the invocation on the handler's thread; code the handler starts on other threads
    /// (<c>Task.Run</c>) does not see it. Inside an asynchronous handler method it flows with the async calls.
    /// </summary>
    public static HandlerContext? Current => CurrentFor(Ambient.Value);

    /// <summary>The value of the async-flowing ambient invocation, without the synchronous one.</summary>
    internal static HandlerContext? AsyncAmbient => Ambient.Value;

    /// <summary>The current invocation, given <paramref name="asyncAmbient"/>, the value of <see cref="AsyncAmbient"/> just read.</summary>
    internal static HandlerContext? CurrentFor(HandlerContext? asyncAmbient) =>
        Handlers.SynchronousInvocation.Current(asyncAmbient) ?? asyncAmbient;

    /// <summary>The endpoint being invoked.</summary>
    public EndpointInfo Endpoint { get; }

    /// <summary>The payload, already converted to the handler's parameter type.</summary>
    public object? Payload { get; }

    /// <summary>The message headers.</summary>
    public MessageHeaders Headers => _headers ??= MessageHeadersFactory.Create(Payload, _metadata, Parent, Endpoint.Kind, Time);

    /// <summary>The DI scope of this invocation.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Cancelled when the consumer stops or the caller gives up.</summary>
    public CancellationToken CancellationToken { get; }

    internal HandlerContext? Parent { get; }

    /// <summary>
    /// One header, without building the whole set for an in-process invocation whose headers nobody read: a user header
    /// is the sender's metadata, else the one propagated from the handler that sent it; only Conveyor's own headers
    /// (id, correlation, timestamp, …) need <see cref="Headers"/>. The same value <see cref="Headers"/> would hold.
    /// </summary>
    internal string? GetHeader(string name)
    {
        if (_headers is not null)
        {
            return _headers.Get(name);
        }

        if (_metadata is not null && _metadata.TryGetValue(name, out var value))
        {
            return value;
        }

        return MessageHeaderNames.IsFrameworkHeader(name) ? Headers.Get(name) : Parent?.GetHeader(name);
    }

    /// <summary>The clock message ids and timestamps are taken from.</summary>
    internal TimeProvider Time { get; }

    /// <summary>
    /// Where messages sent to asynchronous endpoints while a received message is handled wait until the handler
    /// succeeded; the inbound pipeline then hands them to the outgoing path before it commits. Null outside a
    /// received message: sends leave at once.
    /// </summary>
    internal PendingMessages? Pending { get; }

    internal static HandlerContext? Swap(HandlerContext? context) => Swap(context, Ambient.Value);

    /// <summary>Makes <paramref name="context"/> the ambient invocation; for an async method, whose caller keeps its own.</summary>
    internal static void SetAmbient(HandlerContext? context) => Ambient.Value = context;

    /// <summary>Makes <paramref name="context"/> the ambient invocation when <paramref name="current"/>, the ambient one just read, differs; returns <paramref name="current"/>.</summary>
    internal static HandlerContext? Swap(HandlerContext? context, HandlerContext? current)
    {
        if (!ReferenceEquals(current, context))
        {
            Ambient.Value = context;
        }

        return current;
    }
}
