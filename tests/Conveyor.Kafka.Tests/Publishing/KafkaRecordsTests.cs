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

    [Fact]
    public void ReusedRecord_CarriesOnlyTheLatestMessage_AndClearingItKeepsNothingOfIt()
    {
        var reuse = new KafkaRecords.ReusableRecord();
        var first = Message(DateTimeOffset.UtcNow);
        first.Headers.Set("tenant", "a");
        var second = Message(DateTimeOffset.UtcNow);
        second.Headers.Set(MessageHeaderNames.MessageId, "0194c3a0-0000-7000-8000-000000000002");

        var record = KafkaRecords.From(first, Implied, reuse);
        var headersOfFirst = record.Headers;
        headersOfFirst.Select(h => h.Key).ShouldContain("tenant");
        reuse.Clear();
        record.Key.ShouldBeNull();
        record.Value.ShouldBeNull();
        record.Headers.ShouldBeNull();

        var again = KafkaRecords.From(second, Implied, reuse);

        again.ShouldBeSameAs(record);
        again.Headers.ShouldBeSameAs(headersOfFirst, "Confluent.Kafka's header list is reused, not made per record");
        again.Headers.Select(h => h.Key).ShouldBe([MessageHeaderNames.MessageId, MessageHeaderNames.MessageName]);
        System.Text.Encoding.UTF8.GetString(again.Headers.GetLastBytes(MessageHeaderNames.MessageId)).ShouldBe("0194c3a0-0000-7000-8000-000000000002");
        System.Text.Encoding.UTF8.GetString(again.Key!).ShouldBe("0194c3a0-0000-7000-8000-000000000002");
    }
}
