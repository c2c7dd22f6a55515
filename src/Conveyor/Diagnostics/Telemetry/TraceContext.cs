using System.Diagnostics;

namespace Conveyor.Diagnostics.Telemetry;

/// <summary>
/// W3C trace context in message headers: <c>traceparent</c> and <c>tracestate</c>, written on every message that leaves
/// through the outgoing path and read on every message the inbound pipeline receives, whichever the channel.
/// </summary>
internal static class TraceContext
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>
    /// Header of a delayed retry naming the attempt that failed (its <c>traceparent</c>): the next attempt links to it,
    /// while its parent stays the span that sent the message first.
    /// </summary>
    public const string RetryOf = "conveyor.retryOf";

    public static void Inject(Activity activity, MessageHeaders headers)
    {
        headers.Set(TraceParent, activity.Id);
        headers.Set(TraceState, activity.TraceStateString);
    }

    /// <summary>The context a message carries, or default when it carries none (or one that does not parse).</summary>
    public static ActivityContext Extract(MessageHeaders headers) =>
        headers.Get(TraceParent) is { } parent && ActivityContext.TryParse(parent, headers.Get(TraceState), isRemote: true, out var context)
            ? context
            : default;

    /// <summary>The attempt a delayed retry links to, or default.</summary>
    public static ActivityContext RetriedAttempt(MessageHeaders headers) =>
        headers.Get(RetryOf) is { } parent && ActivityContext.TryParse(parent, null, isRemote: true, out var context) ? context : default;
}
