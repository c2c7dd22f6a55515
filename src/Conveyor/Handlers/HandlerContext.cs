using System.Globalization;

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

    internal HandlerContext(EndpointInfo endpoint, object? payload, MessageHeaders headers, IServiceProvider services, CancellationToken cancellationToken)
    {
        Endpoint = endpoint;
        Payload = payload;
        _headers = headers;
        Services = services;
        CancellationToken = cancellationToken;
    }

    /// <summary>An in-process invocation whose headers are built only if someone reads them.</summary>
    internal HandlerContext(EndpointInfo endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, IServiceProvider services, CancellationToken cancellationToken)
    {
        Endpoint = endpoint;
        Payload = payload;
        _metadata = metadata;
        Parent = parent;
        Services = services;
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
    public MessageHeaders Headers => _headers ??= MessageHeadersFactory.Create(Payload, _metadata, Parent, Endpoint.Kind);

    /// <summary>The DI scope of this invocation.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Cancelled when the consumer stops or the caller gives up.</summary>
    public CancellationToken CancellationToken { get; }

    internal HandlerContext? Parent { get; }

    internal static HandlerContext? Swap(HandlerContext? context) => Swap(context, Ambient.Value);

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

/// <summary>Builds the headers of a new message, propagating correlation and user metadata from the handler that sends it.</summary>
internal static class MessageHeadersFactory
{
    public static MessageHeaders Create(object? payload, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, EndpointKind kind)
    {
        // Id, timestamp, kind, name, correlation, causation, and the target endpoint and routing key a channel adds:
        // sized once, no rehash while filling.
        var headers = new MessageHeaders(8 + (metadata?.Count ?? 0));
        var id = MessageIds.New();
        headers.Set(MessageHeaderNames.MessageId, id);
        headers.Set(MessageHeaderNames.Timestamp, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        headers.Set(MessageHeaderNames.MessageKind, KindName(kind));
        if (payload is not null and not string and not byte[])
        {
            headers.Set(MessageHeaderNames.MessageName, MessageNames.Of(payload.GetType()));
        }

        if (parent is not null)
        {
            var parentHeaders = parent.Headers;
            foreach (var (name, value) in parentHeaders)
            {
                if (!MessageHeaderNames.IsFrameworkHeader(name))
                {
                    headers.Set(name, value);
                }
            }

            headers.Set(MessageHeaderNames.CorrelationId, parentHeaders.CorrelationId ?? parentHeaders.MessageId);
            headers.Set(MessageHeaderNames.CausationId, parentHeaders.MessageId);
        }
        else
        {
            headers.Set(MessageHeaderNames.CorrelationId, id);
        }

        if (metadata is not null)
        {
            foreach (var (name, value) in metadata)
            {
                headers.Set(name, value);
            }
        }

        return headers;
    }

    private static string KindName(EndpointKind kind) => kind switch
    {
        EndpointKind.Command => "command",
        EndpointKind.Event => "event",
        EndpointKind.Query => "query",
        _ => "message",
    };
}
