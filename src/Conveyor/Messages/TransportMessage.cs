namespace Conveyor;

/// <summary>
/// A message as a channel carries it: serialized payload bytes plus headers. Channels (in-memory, Kafka,
/// database) move these; they never see CLR types.
/// </summary>
/// <param name="Headers">The headers, including <see cref="MessageHeaderNames.ContentType"/>.</param>
/// <param name="Body">The serialized payload; empty for a message without payload.</param>
public sealed record TransportMessage(MessageHeaders Headers, ReadOnlyMemory<byte> Body)
{
    /// <summary>The message id header.</summary>
    public string? MessageId => Headers.MessageId;

    /// <summary>
    /// When the message is due (<see cref="MessageHeaderNames.DeliverAt"/>), or null when it is due at once. Channels do
    /// not deliver it before; the header carries it on the wire so that a consumer holds a record that arrives early.
    /// </summary>
    public DateTimeOffset? DeliverAt =>
        long.TryParse(Headers.Get(MessageHeaderNames.DeliverAt), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    /// <summary>Sets or clears <see cref="DeliverAt"/>.</summary>
    /// <param name="due">When the message is due; null for at once.</param>
    public void SetDeliverAt(DateTimeOffset? due) =>
        Headers.Set(MessageHeaderNames.DeliverAt, due?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Returns a copy with its own headers, so that headers can be changed without touching this one.</summary>
    /// <returns>The copy.</returns>
    public TransportMessage Copy() => new(Headers.Clone(), Body);
}
