using Conveyor.Channels.ReceiveLoop;
using Conveyor.Kafka.ConsumerEngine;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

public sealed class RecordKeyTests
{
    [Fact]
    public void Equals_SameContentDifferentArrays_True()
    {
        var left = RecordKey.From([1, 2, 3]);
        var right = RecordKey.From([1, 2, 3]);

        left.ShouldBe(right);
        left.GetHashCode().ShouldBe(right.GetHashCode());
    }

    [Fact]
    public void Equals_DifferentContent_False() =>
        RecordKey.From([1, 2, 3]).ShouldNotBe(RecordKey.From([1, 2, 4]));

    [Fact]
    public void Equals_NullVersusEmpty_False()
    {
        RecordKey.From(null).ShouldBe(RecordKey.Null);
        RecordKey.From([]).ShouldNotBe(RecordKey.Null);
    }

    [Fact]
    public void KeyOrderedDispatcher_NullAndEmptyKeys_AreDistinctKeys()
    {
        var dispatcher = new KeyOrderedDispatcher<RecordKey, int>(4);
        dispatcher.Enqueue(RecordKey.From(null), 1);
        dispatcher.Enqueue(RecordKey.From(null), 2);
        dispatcher.Enqueue(RecordKey.From([]), 3);

        dispatcher.TryTakeNext(out _, out var first).ShouldBeTrue();
        dispatcher.TryTakeNext(out _, out var second).ShouldBeTrue();
        dispatcher.TryTakeNext(out _, out _).ShouldBeFalse();
        (first, second).ShouldBe((1, 3));
    }
}
