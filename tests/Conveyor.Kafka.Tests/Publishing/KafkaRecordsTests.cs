using System.Globalization;
using Confluent.Kafka;
using Conveyor.Kafka.Publishing;

namespace Conveyor.Kafka.Tests.Publishing;

/// <summary>Which headers a channel record leaves off for the record's timestamp to carry (docs/foreign-producers.md).</summary>
public sealed class KafkaRecordsTests
{
    private static TransportMessage Message(DateTimeOffset created)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, "0194c3a0-0000-7000-8000-000000000001");
        headers.Set(MessageHeaderNames.MessageName, "ticket.opened");
        headers.Set(MessageHeaderNames.Timestamp, created.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        return new TransportMessage(headers, "{}"u8.ToArray());
    }

    private static readonly ImpliedHeaders Implied = new("tickets", routing: null);

    [Fact]
    public void ChannelRecordOfANewMessage_CarriesItsCreationTimeAsTheRecordTimestamp_NotAsAHeader()
    {
        var created = DateTimeOffset.UtcNow;
        var record = KafkaRecords.From(Message(created), Implied);

        record.Timestamp.Type.ShouldBe(TimestampType.CreateTime);
        record.Timestamp.UnixTimestampMs.ShouldBe(created.ToUnixTimeMilliseconds());
        record.Headers.Select(h => h.Key).ShouldNotContain(MessageHeaderNames.Timestamp);
    }

    [Fact]
    public void ChannelRecordOfAMessageCreatedLongAgo_KeepsItsTimestampHeader_AndGetsTheTimeItIsWritten()
    {
        // A retry, a replay or a message that waited in an outbox: a week-old record timestamp would fall to time-based retention.
        var created = DateTimeOffset.UtcNow.AddDays(-7);
        var record = KafkaRecords.From(Message(created), Implied);

        record.Timestamp.Type.ShouldBe(TimestampType.NotAvailable);
        record.Headers.Single(h => h.Key == MessageHeaderNames.Timestamp).GetValueBytes()
            .ShouldBe(System.Text.Encoding.UTF8.GetBytes(created.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void RecordForOtherConsumers_CarriesEveryHeader()
    {
        var record = KafkaRecords.From(Message(DateTimeOffset.UtcNow));

        record.Timestamp.Type.ShouldBe(TimestampType.NotAvailable);
        record.Headers.Select(h => h.Key).ShouldContain(MessageHeaderNames.Timestamp);
    }
}
