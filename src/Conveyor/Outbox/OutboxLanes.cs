using System.Text;

namespace Conveyor.Outbox;

/// <summary>Which lane a message is relayed in: the same partition key always gives the same lane, in every process.</summary>
public static class OutboxLanes
{
    /// <summary>
    /// The lane of <paramref name="message"/>: a stable hash (FNV-1a over UTF-8, not <see cref="string.GetHashCode()"/>,
    /// which differs per process) of its partition key, or of its id when it has none, modulo <paramref name="lanes"/>.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="lanes">How many lanes there are.</param>
    /// <returns>A lane in [0, <paramref name="lanes"/>).</returns>
    public static int Of(TransportMessage message, int lanes)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        var key = message.Headers.Get(MessageHeaderNames.PartitionKey) ?? message.MessageId ?? string.Empty;
        return (int)(Fnv1a(key) % (uint)lanes);
    }

    private static uint Fnv1a(string key)
    {
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var length = Encoding.UTF8.GetBytes(key, buffer);
        var hash = 2166136261u;
        foreach (var b in buffer[..length])
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }
}
