using System.Globalization;

namespace Conveyor.Outgoing;

/// <summary>Builds the headers of a new message, propagating correlation and user metadata from the handler that sends it.</summary>
internal static class MessageHeadersFactory
{
    // The timestamp header of the last message this thread made, and its millisecond: a thread that publishes at a high
    // rate makes hundreds of messages in the same millisecond, which share one string instead of formatting their own.
    [ThreadStatic]
    private static long t_lastMilliseconds;

    [ThreadStatic]
    private static string? t_lastTimestamp;

    // room: headers the caller adds besides those counted below (the outgoing path's traceparent while tracing).
    public static MessageHeaders Create(object? payload, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, EndpointKind? kind, TimeProvider time, int room = 0)
    {
        // Id, timestamp, kind, name, correlation, causation, and the target endpoint and routing key a channel adds:
        // sized once, no rehash while filling.
        var headers = new MessageHeaders(8 + (metadata?.Count ?? 0) + room);
        var now = time.GetUtcNow();
        var id = MessageIds.New(now);

        // The framework's own headers go into empty headers: added without a search; what follows may repeat a name.
        headers.AddNew(MessageHeaderNames.MessageId, id);
        headers.AddNew(MessageHeaderNames.Timestamp, TimestampText(now.ToUnixTimeMilliseconds()));
        if (kind is { } known)
        {
            headers.AddNew(MessageHeaderNames.MessageKind, KindName(known));
        }

        if (payload is not null and not string and not byte[])
        {
            headers.AddNew(MessageHeaderNames.MessageName, MessageNames.Of(payload.GetType()));
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
            headers.AddNew(MessageHeaderNames.CorrelationId, id);
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

    /// <summary>The timestamp header's value: Unix milliseconds, the last one made on this thread when it is the same.</summary>
    private static string TimestampText(long milliseconds)
    {
        if (milliseconds != t_lastMilliseconds || t_lastTimestamp is not { } text)
        {
            text = milliseconds.ToString(CultureInfo.InvariantCulture);
            t_lastTimestamp = text;
            t_lastMilliseconds = milliseconds;
        }

        return text;
    }

    private static string KindName(EndpointKind kind) => kind switch
    {
        EndpointKind.Command => "command",
        EndpointKind.Event => "event",
        EndpointKind.Query => "query",
        _ => "message",
    };
}
