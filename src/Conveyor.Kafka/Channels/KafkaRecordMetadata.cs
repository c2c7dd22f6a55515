using System.Globalization;
using Conveyor.Kafka.Publishing;

namespace Conveyor.Kafka;

/// <summary>Where a consumed Kafka record came from: what a batch handler reads per record with <c>received.Kafka()</c>.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset in the partition.</param>
/// <param name="Timestamp">The record's timestamp.</param>
/// <param name="Key">The record key as UTF-8 text; base64 when it is not valid UTF-8 (<paramref name="KeyIsBase64"/>); null without a key.</param>
/// <param name="KeyIsBase64">Whether <paramref name="Key"/> is the base64 of a binary key.</param>
public readonly record struct KafkaRecordMetadata(string Topic, int Partition, long Offset, DateTimeOffset Timestamp, string? Key, bool KeyIsBase64);

/// <summary>Reads the Kafka metadata of a received message.</summary>
public static class KafkaReceivedExtensions
{
    /// <summary>The topic, partition, offset, timestamp and key of the record <paramref name="received"/> was read from.</summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="received">A message of a batch received from Kafka.</param>
    /// <returns>The record's metadata.</returns>
    /// <exception cref="InvalidOperationException">The message was not received from Kafka.</exception>
    public static KafkaRecordMetadata Kafka<T>(this Received<T> received)
    {
        ArgumentNullException.ThrowIfNull(received);
        var headers = received.Headers;
        if (headers.Get("kafka_topic") is not { } topic)
        {
            throw new InvalidOperationException($"Message {received.MessageId} was not received from Kafka: it has no kafka_topic header.");
        }

        return new KafkaRecordMetadata(
            topic,
            int.Parse(headers.Get("kafka_partition") ?? "-1", CultureInfo.InvariantCulture),
            long.Parse(headers.Get("kafka_offset") ?? "-1", CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(headers.Get("kafka_timestamp") ?? "0", CultureInfo.InvariantCulture)),
            headers.Get(KafkaRecords.KeyHeader),
            headers.Get(KafkaRecords.KeyEncodingHeader) == KafkaRecords.Base64);
    }
}
