using System.Buffers;
using System.Diagnostics;
using System.Globalization;

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

    // 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>
    private const int TraceParentLength = 55;

    private static readonly SearchValues<byte> LowerHex = SearchValues.Create("0123456789abcdef"u8);

    /// <summary>
    /// Writes the context of <paramref name="activity"/>: <c>traceparent</c>, and <c>tracestate</c> when it has one (else
    /// a <c>tracestate</c> the message carried, from the trace it was copied from, is removed).
    /// </summary>
    public static void Inject(Activity activity, MessageHeaders headers)
    {
        headers.Set(TraceParent, TraceParentOf(activity));
        headers.Set(TraceState, activity.TraceStateString);
    }

    /// <summary>
    /// The <c>traceparent</c> of <paramref name="activity"/>, formatted in one string from its trace and span ids (which
    /// the activity holds already), rather than through <see cref="Activity.Id"/>, which the activity would keep.
    /// </summary>
    public static string TraceParentOf(Activity activity) => activity.IdFormat != ActivityIdFormat.W3C
        ? activity.Id!
        : string.Create(TraceParentLength, activity, static (span, a) =>
        {
            "00-".CopyTo(span);
            a.TraceId.ToHexString().CopyTo(span[3..]);
            span[35] = '-';
            a.SpanId.ToHexString().CopyTo(span[36..]);
            span[52] = '-';
            ((byte)a.ActivityTraceFlags).TryFormat(span[53..], out _, "x2", CultureInfo.InvariantCulture);
        });

    /// <summary>
    /// The context a message carries, or default when it carries none (or one that does not parse). Read from the
    /// header's bytes when the transport still holds them (<see cref="MessageHeaders.TryGetUtf8"/>), so the header is
    /// not made a string for it.
    /// </summary>
    public static ActivityContext Extract(MessageHeaders headers)
    {
        if (headers.TryGetUtf8(TraceParent, out var utf8))
        {
            return TryParse(utf8, headers.Get(TraceState), out var fromBytes) ? fromBytes : default;
        }

        return headers.Get(TraceParent) is { } parent && ActivityContext.TryParse(parent, headers.Get(TraceState), isRemote: true, out var context)
            ? context
            : default;
    }

    /// <summary>
    /// Parses a <c>traceparent</c> from its UTF-8 bytes by the rules <see cref="ActivityContext.TryParse(string, string, bool, out ActivityContext)"/>
    /// applies to the string: 55 characters, a version other than <c>ff</c>, lower-case hex trace and span ids that
    /// are not all zeros, hex flags. The ids are made straight from the bytes.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> traceParent, string? traceState, out ActivityContext context)
    {
        context = default;
        if (traceParent.Length != TraceParentLength
            || !IsHex(traceParent[0]) || !IsHex(traceParent[1]) || (traceParent[0] == 'f' && traceParent[1] == 'f')
            || !IsLowerHexNotAllZeros(traceParent.Slice(3, 32)) || !IsLowerHexNotAllZeros(traceParent.Slice(36, 16))
            || !IsHex(traceParent[53]) || !IsHex(traceParent[54]))
        {
            return false;
        }

        var flags = (ActivityTraceFlags)((HexValue(traceParent[53]) << 4) | HexValue(traceParent[54]));
        context = new ActivityContext(
            ActivityTraceId.CreateFromUtf8String(traceParent.Slice(3, 32)), ActivitySpanId.CreateFromUtf8String(traceParent.Slice(36, 16)), flags, traceState, isRemote: true);
        return true;
    }

    private static bool IsHex(byte c) => char.IsAsciiHexDigitLower((char)c);

    private static int HexValue(byte c) => c <= '9' ? c - '0' : c - 'a' + 10;

    // Two vectorized scans of the id rather than a branch per character: this runs for every traced message received.
    private static bool IsLowerHexNotAllZeros(ReadOnlySpan<byte> id) => !id.ContainsAnyExcept(LowerHex) && id.ContainsAnyExcept((byte)'0');

    /// <summary>The attempt a delayed retry links to, or default.</summary>
    public static ActivityContext RetriedAttempt(MessageHeaders headers) =>
        headers.Get(RetryOf) is { } parent && ActivityContext.TryParse(parent, null, isRemote: true, out var context) ? context : default;
}
