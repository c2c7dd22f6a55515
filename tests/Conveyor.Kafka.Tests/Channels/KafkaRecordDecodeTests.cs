using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.Channels;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// A consumed record's <c>kafka_*</c> metadata and the timestamp a channel record leaves to the record are made when
/// read: the same values, by name, enumerated or copied, as a record decoded with all of them up front.
/// </summary>
public sealed class KafkaRecordDecodeTests
{
    private static ConsumeResult<byte[]?, byte[]?> Record(byte[]? key, Headers headers) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("orders", 7, 1234),
        Message = new Message<byte[]?, byte[]?>
        {
            Key = key,
            Value = "{}"u8.ToArray(),
            Headers = headers,
            Timestamp = new Timestamp(1_767_225_600_123, TimestampType.CreateTime),
        },
    };

    private static Headers ChannelHeaders() => new()
    {
        { MessageHeaderNames.MessageId, "0196a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d"u8.ToArray() },
        { MessageHeaderNames.MessageName, "orders.placed"u8.ToArray() },
    };

    [Fact]
    public void MetadataReadByName_IsTheRecords()
    {
        var (message, error) = KafkaInboundMessage.Decode(Record("order-1"u8.ToArray(), ChannelHeaders()));
        var headers = message.Headers;

        Assert.Null(error);
        Assert.Equal("0196a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d", headers.MessageId);
        Assert.Equal("orders", headers.Get("kafka_topic"));
        Assert.Equal("7", headers.Get("kafka_partition"));
        Assert.Equal("1234", headers.Get("kafka_offset"));
        Assert.Equal("1767225600123", headers.Get("kafka_timestamp"));
        Assert.Equal("1767225600123", headers.Get(MessageHeaderNames.Timestamp));
        Assert.Equal("order-1", headers.Get("kafka_key"));
        Assert.Null(headers.Get("kafka_key_encoding"));
    }

    [Fact]
    public void Enumerating_OrCopying_HoldsEveryHeader()
    {
        var (message, _) = KafkaInboundMessage.Decode(Record("order-1"u8.ToArray(), ChannelHeaders()));

        var copy = message.Headers.Clone();
        var enumerated = message.Headers.ToDictionary(h => h.Key, h => h.Value);

        foreach (var headers in new IReadOnlyDictionary<string, string>[] { copy, enumerated })
        {
            Assert.Equal("1234", headers["kafka_offset"]);
            Assert.Equal("orders.placed", headers[MessageHeaderNames.MessageName]);
            Assert.Equal("1767225600123", headers[MessageHeaderNames.Timestamp]);
            Assert.Equal("application/json", headers[MessageHeaderNames.ContentType]);
            Assert.Equal("order-1", headers["kafka_key"]);
        }

        Assert.Equal(enumerated.Count, message.Headers.Count);
    }

    [Fact]
    public void HeadersClaimingToBeMetadata_AreReplacedByTheRecords()
    {
        var headers = ChannelHeaders();
        headers.Add("kafka_offset", "99"u8.ToArray());
        headers.Add("kafka_key", "forged"u8.ToArray());
        headers.Add(MessageHeaderNames.Timestamp, "42"u8.ToArray());

        var (message, _) = KafkaInboundMessage.Decode(Record(key: null, headers));

        Assert.Equal("1234", message.Headers.Get("kafka_offset"));
        Assert.False(message.Headers.ContainsKey("kafka_key"));

        // A timestamp the record carried is kept: only a missing one is the record's.
        Assert.Equal("42", message.Headers.Get(MessageHeaderNames.Timestamp));
    }

    [Fact]
    public void ABinaryKey_IsBase64WithItsMarker()
    {
        var (message, _) = KafkaInboundMessage.Decode(Record([0xff, 0xfe, 0x00], ChannelHeaders()));

        Assert.Equal(Convert.ToBase64String([0xff, 0xfe, 0x00]), message.Headers.Get("kafka_key"));
        Assert.Equal("base64", message.Headers.Get("kafka_key_encoding"));
    }

    [Fact]
    public void AChangeOfAMetadataHeader_IsKept()
    {
        var (message, _) = KafkaInboundMessage.Decode(Record("order-1"u8.ToArray(), ChannelHeaders()));

        message.Headers.Set("note", "kept");
        message.Headers.Set("kafka_offset", null);

        Assert.Null(message.Headers.Get("kafka_offset"));
        Assert.Equal("kept", message.Headers.Get("note"));
        Assert.Equal("orders", message.Headers.Get("kafka_topic"));
    }

    [Fact]
    public void AForeignRecordWithoutAnId_GetsNoTimestampHeader()
    {
        var (message, _) = KafkaInboundMessage.Decode(Record("k"u8.ToArray(), [new Header("source", Encoding.UTF8.GetBytes("kcat"))]));

        Assert.Null(message.Headers.Get(MessageHeaderNames.Timestamp));
        Assert.Equal("1767225600123", message.Headers.Get("kafka_timestamp"));
        Assert.Equal("kcat", message.Headers.Get("source"));
    }
}
