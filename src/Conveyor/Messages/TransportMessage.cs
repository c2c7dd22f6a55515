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

    /// <summary>Returns a copy with its own headers, so that headers can be changed without touching this one.</summary>
    /// <returns>The copy.</returns>
    public TransportMessage Copy() => new(Headers.Clone(), Body);
}
