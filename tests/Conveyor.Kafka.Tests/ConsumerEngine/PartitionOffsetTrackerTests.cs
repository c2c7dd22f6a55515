using Conveyor.Kafka.ConsumerEngine;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

public sealed class PartitionOffsetTrackerTests
{
    [Fact]
    public void CommittableOffset_NothingDelivered_IsNull()
    {
        var tracker = new PartitionOffsetTracker();

        tracker.CommittableOffset.ShouldBeNull();
        tracker.TryGetOffsetToCommit(out _).ShouldBeFalse();
    }

    [Fact]
    public void CommittableOffset_DeliveredNotFinished_IsLowestDelivered()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Delivered(5);
        tracker.Delivered(6);

        tracker.CommittableOffset.ShouldBe(5);
    }

    [Fact]
    public void Completed_InOrder_CommittableIsOnePastLast()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Delivered(0);
        tracker.Delivered(1);

        tracker.Completed(0).ShouldBeTrue();
        tracker.Completed(1).ShouldBeTrue();

        tracker.CommittableOffset.ShouldBe(2);
        tracker.Tracked.ShouldBe(0);
    }

    [Fact]
    public void Completed_LaterOffsetsFinishFirst_CommittableStaysAtLowestUnfinished()
    {
        var tracker = new PartitionOffsetTracker();
        for (var offset = 0; offset < 10; offset++)
        {
            tracker.Delivered(offset);
        }

        for (var offset = 9; offset >= 1; offset--)
        {
            tracker.Completed(offset).ShouldBeFalse();
        }

        tracker.CommittableOffset.ShouldBe(0);
        tracker.Completed(0).ShouldBeTrue();
        tracker.CommittableOffset.ShouldBe(10);
    }

    [Fact]
    public void Completed_GapInMiddle_CommittableStopsAtGap()
    {
        var tracker = new PartitionOffsetTracker();
        foreach (var offset in new long[] { 3, 4, 5, 6 })
        {
            tracker.Delivered(offset);
        }

        tracker.Completed(3);
        tracker.Completed(5);
        tracker.Completed(6);

        tracker.CommittableOffset.ShouldBe(4);
    }

    [Fact]
    public void Delivered_OffsetsWithHoles_CommitsOnePastLastDelivered()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Delivered(10);
        tracker.Delivered(13); // 11 and 12 are transaction markers or compacted away

        tracker.Completed(13);
        tracker.CommittableOffset.ShouldBe(10);
        tracker.Completed(10);

        tracker.CommittableOffset.ShouldBe(14);
    }

    [Fact]
    public void Delivered_NotAscending_Throws()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Delivered(7);

        Should.Throw<ArgumentOutOfRangeException>(() => tracker.Delivered(7));
        Should.Throw<ArgumentOutOfRangeException>(() => tracker.Delivered(6));
    }

    [Fact]
    public void Completed_UnknownOrTwice_Throws()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Delivered(1);
        tracker.Delivered(2);
        tracker.Completed(2);

        Should.Throw<InvalidOperationException>(() => tracker.Completed(3));
        Should.Throw<InvalidOperationException>(() => tracker.Completed(2));
    }

    [Fact]
    public void TryGetOffsetToCommit_AfterMarkCommitted_OnlyReportsNewProgress()
    {
        var tracker = new PartitionOffsetTracker();
        tracker.Delivered(0);
        tracker.Completed(0);
        tracker.TryGetOffsetToCommit(out var first).ShouldBeTrue();
        first.ShouldBe(1);

        tracker.MarkCommitted(first);

        tracker.TryGetOffsetToCommit(out _).ShouldBeFalse();
        tracker.Delivered(1);
        tracker.TryGetOffsetToCommit(out _).ShouldBeFalse();
        tracker.Completed(1);
        tracker.TryGetOffsetToCommit(out var second).ShouldBeTrue();
        second.ShouldBe(2);
    }

    [Fact]
    public void Completed_ManyOffsetsWrappingTheBuffer_MatchesReferenceModel()
    {
        var tracker = new PartitionOffsetTracker();
        var random = new Random(42);
        var unfinished = new SortedSet<long>();
        long next = 0;
        long lastDelivered = -1;
        for (var step = 0; step < 20_000; step++)
        {
            if (unfinished.Count == 0 || (unfinished.Count < 300 && random.Next(3) != 0))
            {
                next += 1 + random.Next(2);
                tracker.Delivered(next);
                unfinished.Add(next);
                lastDelivered = next;
            }
            else
            {
                var victim = unfinished.ElementAt(random.Next(unfinished.Count));
                tracker.Completed(victim);
                unfinished.Remove(victim);
            }

            var expected = unfinished.Count > 0 ? unfinished.Min : lastDelivered + 1;
            tracker.CommittableOffset.ShouldBe(expected);
        }
    }
}
