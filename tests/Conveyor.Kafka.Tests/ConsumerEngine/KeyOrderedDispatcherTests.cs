using Conveyor.Kafka.ConsumerEngine;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

public sealed class KeyOrderedDispatcherTests
{
    private static readonly RecordKey A = RecordKey.From([1]);
    private static readonly RecordKey B = RecordKey.From([2]);
    private static readonly RecordKey C = RecordKey.From([3]);

    [Fact]
    public void TryTakeNext_Empty_ReturnsFalse()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(4);

        dispatcher.TryTakeNext(out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryTakeNext_SameKey_OneAtATimeInOrder()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(4);
        dispatcher.Enqueue(A, 1);
        dispatcher.Enqueue(A, 2);
        dispatcher.Enqueue(A, 3);

        Take(dispatcher).ShouldBe(1);
        dispatcher.TryTakeNext(out _, out _).ShouldBeFalse();
        dispatcher.Complete(A);
        Take(dispatcher).ShouldBe(2);
        dispatcher.Complete(A);
        Take(dispatcher).ShouldBe(3);
    }

    [Fact]
    public void TryTakeNext_DifferentKeys_RunInParallelOldestFirst()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(4);
        dispatcher.Enqueue(A, 1);
        dispatcher.Enqueue(A, 2);
        dispatcher.Enqueue(B, 3);
        dispatcher.Enqueue(C, 4);

        Take(dispatcher).ShouldBe(1);
        Take(dispatcher).ShouldBe(3);
        Take(dispatcher).ShouldBe(4);
        dispatcher.TryTakeNext(out _, out _).ShouldBeFalse();
        dispatcher.InFlight.ShouldBe(3);
        dispatcher.Queued.ShouldBe(1);
    }

    [Fact]
    public void TryTakeNext_MaxInFlightReached_WaitsForACompletion()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(2);
        dispatcher.Enqueue(A, 1);
        dispatcher.Enqueue(B, 2);
        dispatcher.Enqueue(C, 3);
        Take(dispatcher);
        Take(dispatcher);

        dispatcher.TryTakeNext(out _, out _).ShouldBeFalse();
        dispatcher.Complete(A);

        Take(dispatcher).ShouldBe(3);
    }

    [Fact]
    public void TryTakeNext_KeyFreedLater_OlderItemOfOtherKeyGoesFirst()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(1);
        dispatcher.Enqueue(A, 1);
        dispatcher.Enqueue(B, 2);
        dispatcher.Enqueue(A, 3);

        Take(dispatcher).ShouldBe(1);
        dispatcher.Complete(A);

        Take(dispatcher).ShouldBe(2);
        dispatcher.Complete(B);
        Take(dispatcher).ShouldBe(3);
    }

    [Fact]
    public void TryTakeNext_MaxInFlightOne_IsFifoAcrossKeys()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(1);
        var keys = new[] { A, B, A, C, B, B, A };
        for (var item = 0; item < keys.Length; item++)
        {
            dispatcher.Enqueue(keys[item], item);
        }

        var taken = new List<int>();
        while (dispatcher.TryTakeNext(out var key, out var item))
        {
            taken.Add(item);
            dispatcher.Complete(key);
        }

        taken.ShouldBe([0, 1, 2, 3, 4, 5, 6]);
    }

    [Fact]
    public void Enqueue_NullAndEmptyKeys_AreDistinctKeys()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(4);
        dispatcher.Enqueue(RecordKey.From(null), 1);
        dispatcher.Enqueue(RecordKey.From(null), 2);
        dispatcher.Enqueue(RecordKey.From([]), 3);

        Take(dispatcher).ShouldBe(1);
        Take(dispatcher).ShouldBe(3);
        dispatcher.TryTakeNext(out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void Complete_KeyNotRunning_Throws()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(4);
        dispatcher.Enqueue(A, 1);

        Should.Throw<InvalidOperationException>(() => dispatcher.Complete(A));
        Should.Throw<InvalidOperationException>(() => dispatcher.Complete(B));
    }

    [Fact]
    public void DropQueued_WithRunningItem_ForgetsQueuedAndKeepsRunning()
    {
        var dispatcher = new KeyOrderedDispatcher<int>(4);
        dispatcher.Enqueue(A, 1);
        dispatcher.Enqueue(A, 2);
        dispatcher.Enqueue(B, 3);
        Take(dispatcher);

        dispatcher.DropQueued().ShouldBe(2);

        dispatcher.Queued.ShouldBe(0);
        dispatcher.InFlight.ShouldBe(1);
        dispatcher.TryTakeNext(out _, out _).ShouldBeFalse();
        dispatcher.Complete(A);
        dispatcher.InFlight.ShouldBe(0);
    }

    [Fact]
    public void TryTakeNext_RandomWorkload_KeepsPerKeyOrderAndLimit()
    {
        const int maxInFlight = 5;
        var dispatcher = new KeyOrderedDispatcher<int>(maxInFlight);
        var random = new Random(7);
        var keyOf = new Dictionary<int, int>();
        var running = new List<(RecordKey Key, int Item)>();
        var lastByKey = new Dictionary<int, int>();
        var violations = new List<string>();
        var nextItem = 0;
        var done = 0;
        while (done < 5_000)
        {
            if (nextItem < 5_000 && random.Next(2) == 0)
            {
                var key = random.Next(12);
                keyOf[nextItem] = key;
                dispatcher.Enqueue(RecordKey.From([(byte)key]), nextItem++);
            }
            else if (running.Count > 0 && random.Next(2) == 0)
            {
                var index = random.Next(running.Count);
                dispatcher.Complete(running[index].Key);
                running.RemoveAt(index);
                done++;
            }

            while (dispatcher.TryTakeNext(out var key, out var item))
            {
                var keyValue = keyOf[item];
                if (running.Exists(entry => entry.Key == key))
                {
                    violations.Add($"key {keyValue} taken twice at item {item}");
                }

                if (lastByKey.TryGetValue(keyValue, out var last) && item <= last)
                {
                    violations.Add($"key {keyValue}: item {item} after {last}");
                }

                lastByKey[keyValue] = item;
                running.Add((key, item));
                if (running.Count > maxInFlight)
                {
                    violations.Add($"{running.Count} running at item {item}");
                }
            }
        }

        violations.ShouldBeEmpty();
        dispatcher.Queued.ShouldBe(0);
    }

    private static int Take(KeyOrderedDispatcher<int> dispatcher)
    {
        dispatcher.TryTakeNext(out _, out var item).ShouldBeTrue();
        return item;
    }
}
