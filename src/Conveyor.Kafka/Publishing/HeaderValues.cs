using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// The record headers whose values repeat from record to record — message names, endpoint ids, routing keys, the
/// message kind, the content type — encoded once and shared by every record that carries them. Confluent.Kafka
/// copies a header's name and bytes into the record when it is produced and never changes them, so one
/// <see cref="Header"/> serves all.
/// </summary>
internal static class HeaderValues
{
    // Bounded: routing keys may be made per message (PublishWithRoutingAsync); past this many distinct headers the
    // rest are encoded each time, as before.
    private const int Limit = 4_096;
    private static readonly ConcurrentDictionary<(string Name, string Value), Header> Encoded = new();

    /// <summary>The header <paramref name="name"/> = <paramref name="value"/> in UTF-8, shared when the header repeats its values.</summary>
    public static Header Utf8(string name, string value)
    {
        if (!Repeats(name))
        {
            return new Header(name, Encoding.UTF8.GetBytes(value));
        }

        if (Encoded.TryGetValue((name, value), out var header))
        {
            return header;
        }

        header = new Header(name, Encoding.UTF8.GetBytes(value));
        if (Encoded.Count < Limit)
        {
            Encoded.TryAdd((name, value), header);
        }

        return header;
    }

    private static bool Repeats(string name) => name switch
    {
        MessageHeaderNames.MessageName or MessageHeaderNames.TargetEndpoint or MessageHeaderNames.RoutingKey
            or MessageHeaderNames.MessageKind or MessageHeaderNames.ContentType => true,
        _ => false,
    };
}
