using System.Collections.Concurrent;
using System.Text;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// The UTF-8 bytes of header values that repeat from record to record — message names, endpoint ids, routing keys,
/// the message kind, the content type — encoded once and shared by every record that carries them. Confluent.Kafka
/// copies a header's bytes into the record when it is produced and never changes them, so one array serves all.
/// </summary>
internal static class HeaderValues
{
    // Bounded: routing keys may be made per message (PublishWithRoutingAsync); past this many distinct values the
    // rest are encoded each time, as before.
    private const int Limit = 4_096;
    private static readonly ConcurrentDictionary<string, byte[]> Encoded = new(StringComparer.Ordinal);

    /// <summary>The bytes of <paramref name="value"/>, shared when the header named <paramref name="name"/> repeats its values.</summary>
    public static byte[] Utf8(string name, string value)
    {
        if (!Repeats(name))
        {
            return Encoding.UTF8.GetBytes(value);
        }

        if (Encoded.TryGetValue(value, out var bytes))
        {
            return bytes;
        }

        bytes = Encoding.UTF8.GetBytes(value);
        if (Encoded.Count < Limit)
        {
            Encoded.TryAdd(value, bytes);
        }

        return bytes;
    }

    private static bool Repeats(string name) => name switch
    {
        MessageHeaderNames.MessageName or MessageHeaderNames.TargetEndpoint or MessageHeaderNames.RoutingKey
            or MessageHeaderNames.MessageKind or MessageHeaderNames.ContentType => true,
        _ => false,
    };
}
