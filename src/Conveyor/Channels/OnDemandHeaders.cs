namespace Conveyor.Channels;

/// <summary>
/// Headers a transport computes from what it received only when they are read (Kafka's <c>kafka_offset</c>,
/// <c>kafka_timestamp</c>, <c>kafka_key</c>…), so that a message whose handler reads none of them does not pay for
/// their strings. Passed to <see cref="MessageHeaders(int, OnDemandHeaders)"/>: they are added to the message's headers
/// on the first read of one of them by name, an enumeration, a copy, or a change of one of them.
/// </summary>
public abstract class OnDemandHeaders
{
    /// <summary>How many headers <see cref="AddTo"/> adds at most, to size the headers it adds them to.</summary>
    public abstract int Count { get; }

    /// <summary>Whether <paramref name="name"/> is (or may be) one of these headers: reading it adds them first.</summary>
    /// <param name="name">A header name.</param>
    /// <returns>Whether reading the header needs these headers added.</returns>
    public abstract bool Provides(string name);

    /// <summary>
    /// Sets these headers into <paramref name="headers"/> (a copy of the message's other headers, which then replaces
    /// them). Called once, holding a lock on this instance.
    /// </summary>
    /// <param name="headers">The message's other headers.</param>
    public abstract void AddTo(MessageHeaders headers);

    /// <summary>
    /// The bytes of the header <paramref name="name"/> as the transport received them, when these headers hold them
    /// undecoded (UTF-8): a reader that parses them — the trace context of a traced message, read from
    /// <c>traceparent</c> — reads them without the headers being made strings. Must agree with the value
    /// <see cref="AddTo"/> sets. None by default.
    /// </summary>
    /// <param name="name">A header name.</param>
    /// <param name="value">The header's UTF-8 bytes when this returns <see langword="true"/>.</param>
    /// <returns>Whether these headers hold <paramref name="name"/> as bytes.</returns>
    public virtual bool TryGetUtf8(string name, out ReadOnlySpan<byte> value)
    {
        value = default;
        return false;
    }
}
