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

    // The last value of each repeating header on this thread, matched by reference: a thread that sends one kind of
    // message repeats the same strings (the message name of its type, the endpoint's id), so the shared table, keyed
    // by the strings' contents, is not hashed for every record.
    [ThreadStatic]
    private static Last[]? t_last;

    /// <summary>The header <paramref name="name"/> = <paramref name="value"/> in UTF-8, shared when the header repeats its values.</summary>
    public static Header Utf8(string name, string value)
    {
        var slot = Slot(name);
        if (slot < 0)
        {
            return new Header(name, Encoding.UTF8.GetBytes(value));
        }

        ref var last = ref (t_last ??= new Last[5])[slot];
        if (ReferenceEquals(last.Value, value))
        {
            return last.Header!;
        }

        if (!Encoded.TryGetValue((name, value), out var header))
        {
            header = new Header(name, Encoding.UTF8.GetBytes(value));
            if (Encoded.Count < Limit)
            {
                Encoded.TryAdd((name, value), header);
            }
        }

        last = new Last(value, header);
        return header;
    }

    /// <summary>The header's place in a thread's last values, or -1 for a header whose values do not repeat.</summary>
    private static int Slot(string name) => name switch
    {
        MessageHeaderNames.MessageName => 0,
        MessageHeaderNames.TargetEndpoint => 1,
        MessageHeaderNames.RoutingKey => 2,
        MessageHeaderNames.MessageKind => 3,
        MessageHeaderNames.ContentType => 4,
        _ => -1,
    };

    private readonly record struct Last(string? Value, Header? Header);
}
