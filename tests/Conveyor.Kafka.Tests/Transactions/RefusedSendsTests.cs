using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine.Transactions;

namespace Conveyor.Kafka.Tests.Transactions;

/// <summary>Which sends a replayed attempt fails, and how much an exactly-once consumer remembers of refused records.</summary>
public sealed class RefusedSendsTests
{
    [Fact]
    public void AfterASizeRefusal_SendsToThatTopicAsLargeOrLargerAreRefused_SmallerOnesAndOtherTopicsGo()
    {
        var refusal = new RefusedSend("shipments", 200_000, Refused(ErrorCode.MsgSizeTooLarge));

        refusal.Refuses("shipments", 200_000).ShouldBeTrue();
        refusal.Refuses("shipments", 300_000).ShouldBeTrue();
        refusal.Refuses("shipments", 16_384).ShouldBeFalse("a smaller payload, such as a dead letter's excerpt, may fit");
        refusal.Refuses("dead-letters", 200_000).ShouldBeFalse("only the topic that refused");
    }

    [Fact]
    public void AfterAnInvalidRecord_EverySendToThatTopicIsRefused_AndTheReplayCarriesTheBrokersReason()
    {
        var refusal = new RefusedSend("shipments", 500, Refused(ErrorCode.InvalidRecord));

        refusal.Refuses("shipments", 10).ShouldBeTrue();
        var replayed = refusal.Replay("m-2");
        replayed.Message.ShouldContain("m-2");
        replayed.Message.ShouldContain("shipments");
        replayed.Message.ShouldContain(nameof(ErrorCode.InvalidRecord));
        RefusedSend.IsFinal(replayed).ShouldBeTrue("a replayed refusal is as final as the broker's");
        RefusedSend.IsFinal(Refused(ErrorCode.TopicAuthorizationFailed)).ShouldBeFalse("not the record's fault");
        RefusedSend.IsFinal(Refused(ErrorCode.Local_MsgTimedOut)).ShouldBeFalse("transient");
    }

    [Fact]
    public void RemembersAtMostItsCapacity_ForgettingTheOldestFirst_AndForgetsASettledRecord()
    {
        var sends = new RefusedSends();
        var refusal = new RefusedSend("shipments", 1, Refused(ErrorCode.MsgSizeTooLarge));
        for (var offset = 0; offset <= RefusedSends.Capacity; offset++)
        {
            sends.Add(new TopicPartitionOffset("orders", 0, offset), refusal);
        }

        sends.Find(new TopicPartitionOffset("orders", 0, 0)).ShouldBeNull("the oldest is forgotten past the capacity");
        sends.Find(new TopicPartitionOffset("orders", 0, 1)).ShouldBe(refusal);
        sends.Find(new TopicPartitionOffset("orders", 1, 1)).ShouldBeNull("another partition's offset 1 is another record");
        sends.Remove(new TopicPartitionOffset("orders", 0, 1));
        sends.Find(new TopicPartitionOffset("orders", 0, 1)).ShouldBeNull();

        // Refused again after it was settled: remembered anew, not forgotten with its earlier addition.
        sends.Add(new TopicPartitionOffset("orders", 0, 1), refusal);
        sends.Add(new TopicPartitionOffset("orders", 0, RefusedSends.Capacity + 1), refusal);
        sends.Find(new TopicPartitionOffset("orders", 0, 1)).ShouldBe(refusal);
        sends.Find(new TopicPartitionOffset("orders", 0, 2)).ShouldBeNull("the oldest still remembered went");
    }

    private static KafkaPublishException Refused(ErrorCode code) =>
        new($"Message m-1 was not written to topic 'shipments': {code}.", new ProduceException<byte[]?, byte[]?>(new Error(code), null!));
}
