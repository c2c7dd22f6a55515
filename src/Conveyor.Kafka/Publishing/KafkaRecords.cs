using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>Turns transport messages into Kafka records: the key, the value and UTF-8 headers.</summary>
internal static class KafkaRecords
{
    /// <summary>The original Kafka key of a consumed record, kept in its headers.</summary>
    public const string KeyHeader = "kafka_key";

    public static Message<byte[]?, byte[]?> From(TransportMessage message, Func<string, bool>? skipHeader = null)
    {
        var headers = new Headers();
        foreach (var (name, value) in message.Headers)
        {
            if (!name.StartsWith("kafka_", StringComparison.Ordinal) && skipHeader?.Invoke(name) != true)
            {
                headers.Add(name, Encoding.UTF8.GetBytes(value));
            }
        }

        return new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(KeyOf(message.Headers)),
            Value = AsArray(message.Body),
            Headers = headers,
        };
    }

    /// <summary>
    /// The partition key: an explicit <see cref="MessageHeaderNames.PartitionKey"/> header; else the key the message
    /// had when it was consumed (so re-appends and retries stay on their key); else the message id.
    /// Aggregate-aware senders set the partition key header to the aggregate id.
    /// </summary>
    public static string KeyOf(MessageHeaders headers) =>
        headers.Get(MessageHeaderNames.PartitionKey) ?? headers.Get(KeyHeader) ?? headers.MessageId ?? MessageIds.New();

    private static byte[] AsArray(ReadOnlyMemory<byte> body) =>
        MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : body.ToArray();
}
