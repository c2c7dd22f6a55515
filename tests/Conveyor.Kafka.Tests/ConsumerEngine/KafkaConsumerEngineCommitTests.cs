using System.Collections.Concurrent;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

/// <summary>When the engine commits offsets, against a real Kafka-protocol cluster.</summary>
public sealed class KafkaConsumerEngineCommitTests(KafkaTestCluster kafka, ITestOutputHelper output)
    : IClassFixture<KafkaTestCluster>
{
    [Fact]
    public async Task RunAsync_KeyParallelOffsetZeroHeldWhileLaterOnesComplete_CommitsNothingPastIt()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);
        var groupId = NewGroup();
        KafkaTestData.Produce(kafka, topic, partition: 0, count: 10, keyOf: i => $"key-{i}");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new ConcurrentBag<(int Partition, long Offset)>();
        var options = EngineRun.FastOptions();
        options.Ordering = KafkaOrderingMode.KeyParallel;
        options.MaxDegreeOfParallelism = 16;

        await using var run = EngineRun.Start(kafka, output, groupId, topic, async (record, cancellationToken, _) =>
        {
            if (record.Partition.Value == 0 && record.Offset.Value == 0)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            completed.Add((record.Partition.Value, record.Offset.Value));
            return RecordOutcome.Completed;
        }, options);
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 2);

        await Eventually.Until(() => completed.Count == 9, "offsets 1..9 of partition 0 completed");
        // A record on the other partition finishes after 1..9; once it is committed, a commit ran after them.
        KafkaTestData.Produce(kafka, topic, partition: 1, count: 1);
        await Eventually.Until(() => committed.Of(1) == 1, "partition 1 committed at 1");

        committed.Of(0).ShouldBe(0, "offset 0 is unfinished, so nothing past it may be committed");

        gate.SetResult();
        await Eventually.Until(() => committed.Of(0) == 10, "partition 0 committed at 10 once offset 0 finished");
        var result = await run.StopAsync();
        result.Reason.ShouldBe(ConsumerStopReason.Cancelled);
        result.RecordsCompleted.ShouldBe(11);
    }

    [Fact]
    public async Task RunAsync_StopWhenIdle_FinishesAndCommitsEveryPartitionToItsEnd()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 3);
        var groupId = NewGroup();
        KafkaTestData.Produce(kafka, topic, Enumerable.Range(0, 30).Select(i => (i % 3, (string?)$"key-{i}")));

        var options = EngineRun.FastOptions();
        options.CommitInterval = TimeSpan.FromHours(1); // only the commit on shutdown can store the offsets

        await using var run = EngineRun.Start(
            kafka, output, groupId, topic, (_, _, _) => ValueTask.FromResult(RecordOutcome.Completed), options, stopWhenIdle: true);
        var result = await run.Completion.WithinDeadline("the idle run to finish");

        result.Reason.ShouldBe(ConsumerStopReason.Idle);
        result.RecordsCompleted.ShouldBe(30);
        result.StoppedAt.ShouldBeNull();
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 3);
        committed.All().ShouldBe([10, 10, 10], "a drained group is not left one offset short (Brighter #4281)");
    }

    [Fact]
    public async Task RunAsync_StopWhenIdleOnEmptyTopic_FinishesWithNothingCompleted()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);

        await using var run = EngineRun.Start(
            kafka, output, NewGroup(), topic, (_, _, _) => ValueTask.FromResult(RecordOutcome.Completed), stopWhenIdle: true);
        var result = await run.Completion.WithinDeadline("the idle run to finish");

        result.Reason.ShouldBe(ConsumerStopReason.Idle);
        result.RecordsCompleted.ShouldBe(0);
    }

    [Fact]
    public async Task RunAsync_HandlersStuckPastBufferLimit_PausesInsteadOfReadingMore()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var groupId = NewGroup();
        KafkaTestData.Produce(kafka, topic, partition: 0, count: 40, keyOf: i => $"key-{i}");
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var options = EngineRun.FastOptions();
        options.Ordering = KafkaOrderingMode.KeyParallel;
        options.MaxDegreeOfParallelism = 100;
        options.MaxBufferedRecords = 10;

        await using var run = EngineRun.Start(kafka, output, groupId, topic, async (record, cancellationToken, _) =>
        {
            Interlocked.Increment(ref started);
            await (record.Offset.Value == 0 ? first.Task : rest.Task).WaitAsync(cancellationToken);
            return RecordOutcome.Completed;
        }, options, stopWhenIdle: true);
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 1);

        await Eventually.Until(() => run.Logger.Logged(3107), "the consumer to pause its partitions");
        // Finishing offset 0 leaves 9 outstanding (no resume before 5); its commit proves the poll loop went on.
        first.SetResult();
        await Eventually.Until(() => committed.Of(0) == 1, "offset 0 committed while paused");
        Volatile.Read(ref started).ShouldBe(10, "no record read beyond MaxBufferedRecords while handlers are stuck");

        rest.SetResult();
        var result = await run.Completion.WithinDeadline("the run to drain after resuming");
        result.Reason.ShouldBe(ConsumerStopReason.Idle);
        result.RecordsCompleted.ShouldBe(40);
        committed.Of(0).ShouldBe(40);
    }

    [Fact]
    public async Task RunAsync_FastHandlersWithSmallBuffer_WaitsForSpaceWithoutPausing()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 6);
        KafkaTestData.Produce(kafka, topic, Enumerable.Range(0, 6000).Select(i => (i % 6, (string?)$"key-{i}")));
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var options = EngineRun.FastOptions();
        options.Ordering = KafkaOrderingMode.KeyParallel;
        options.MaxDegreeOfParallelism = 64;
        options.MaxBufferedRecords = 50;

        // The engine pauses a buffer that stayed full for FlowControl.HoldBeforePause on its clock. On the wall clock,
        // handlers starved of CPU can keep a buffer full that long, and the pause is then by design; this clock never
        // moves, so what is tested is that a full buffer by itself does not pause, however long it takes to drain.
        await using var run = EngineRun.Start(kafka, output, NewGroup(), topic, async (_, cancellationToken, _) =>
        {
            // The first 50 records (distinct keys: all run at once) wait until all of them are in: the buffer is full.
            if (Interlocked.Increment(ref started) <= options.MaxBufferedRecords)
            {
                await full.Task.WaitAsync(cancellationToken);
            }

            return RecordOutcome.Completed;
        }, options, stopWhenIdle: true, timeProvider: new FakeTimeProvider());

        await Eventually.Until(() => Volatile.Read(ref started) >= options.MaxBufferedRecords, "the buffer to fill with waiting handlers");
        Volatile.Read(ref started).ShouldBe(options.MaxBufferedRecords, "nothing is read beyond the buffer while it is full");
        full.SetResult();
        var result = await run.Completion.WithinDeadline("the idle run to finish");

        result.RecordsCompleted.ShouldBe(6000);
        // A pause makes librdkafka drop its prefetched records and fetch them again: pausing every time
        // the buffer fills made the engine ~25x slower than a plain consume loop.
        run.Logger.Logged(3107).ShouldBeFalse("a full buffer waits for space: it pauses partitions only once full for HoldBeforePause");
    }

    private static string NewGroup() => "group-" + Guid.NewGuid().ToString("N");
}
