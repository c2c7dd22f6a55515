using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

public sealed class PartitionWorkerTests
{
    private static readonly TopicPartition Partition0 = new("test-topic", 0);

    // What the poll thread does with each record of a batch (here: batches of one).
    private static void Dispatch(PartitionWorker worker, ConsumeResult<byte[]?, byte[]?> record)
    {
        worker.Enqueue(record);
        worker.Start();
    }

    [Fact]
    public async Task Enqueue_PartitionSequential_RunsOneRecordAtATimeInOffsetOrder()
    {
        var order = new ConcurrentQueue<long>();
        var running = 0;
        var maxRunning = 0;
        var context = Context(async (record, _, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            order.Enqueue(record.Offset.Value);
            await Task.Yield();
            Interlocked.Decrement(ref running);
            return RecordOutcome.Completed;
        });
        var worker = new PartitionWorker(Partition0, context);

        for (var offset = 0; offset < 200; offset++)
        {
            Dispatch(worker, TestRecords.At(offset, key: $"k{offset % 7}"));
        }

        await Eventually.Until(() => context.Completed == 200, "all 200 records completed");
        order.ShouldBe(Enumerable.Range(0, 200).Select(offset => (long)offset));
        maxRunning.ShouldBe(1);
        CommitOffset(worker).ShouldBe(200);
        context.Outstanding.ShouldBe(0);
    }

    [Fact]
    public async Task Enqueue_ABatch_RunsNothingUntilStart_ThenAllInOrder()
    {
        var order = new ConcurrentQueue<long>();
        var context = Context((record, _, _) =>
        {
            order.Enqueue(record.Offset.Value);
            return ValueTask.FromResult(RecordOutcome.Completed);
        });
        var worker = new PartitionWorker(Partition0, context);

        for (var offset = 0; offset < 5; offset++)
        {
            worker.Enqueue(TestRecords.At(offset));
        }

        // Nothing but Start hands a queued record to the thread pool.
        worker.HasUnstarted.ShouldBeTrue();
        order.ShouldBeEmpty();
        context.Outstanding.ShouldBe(5);

        worker.Start();

        worker.HasUnstarted.ShouldBeFalse();
        await Eventually.Until(() => context.Completed == 5, "the batch completed");
        order.ShouldBe([0L, 1, 2, 3, 4]);
        CommitOffset(worker).ShouldBe(5);
    }

    [Fact]
    public async Task Enqueue_KeyParallel_OtherKeyRunsWhileSameKeyWaits()
    {
        var processor = new ScriptedProcessor();
        var context = Context(processor.Processor, KeyParallel(4));
        var worker = new PartitionWorker(Partition0, context);

        Dispatch(worker, TestRecords.At(0, "a"));
        Dispatch(worker, TestRecords.At(1, "a"));
        Dispatch(worker, TestRecords.At(2, "b"));

        // Both start on the thread pool, so they may arrive in either order.
        var started = new[] { await processor.NextCallAsync(), await processor.NextCallAsync() }.OrderBy(call => call.Offset).ToList();
        var (a0, b2) = (started[0], started[1]);
        a0.Offset.ShouldBe(0);
        b2.Offset.ShouldBe(2);
        processor.TryTakeCall(out _).ShouldBeFalse();

        b2.Complete();
        await Eventually.Until(() => context.Completed == 1, "offset 2 completed");
        CommitOffset(worker).ShouldBe(0);
        a0.Complete();
        var a1 = await processor.NextCallAsync();
        a1.Offset.ShouldBe(1);
        a1.Complete();

        await Eventually.Until(() => context.Completed == 3, "all records completed");
        CommitOffset(worker).ShouldBe(3);
    }

    [Fact]
    public async Task TryGetOffsetToCommit_KeyParallelLaterOffsetsFinishFirst_StaysAtLowestUnfinished()
    {
        var processor = new ScriptedProcessor();
        var context = Context(processor.Processor, KeyParallel(16));
        var worker = new PartitionWorker(Partition0, context);
        for (var offset = 0; offset < 10; offset++)
        {
            Dispatch(worker, TestRecords.At(offset, $"key-{offset}"));
        }

        var calls = new Dictionary<long, ScriptedProcessor.Call>();
        for (var i = 0; i < 10; i++)
        {
            var call = await processor.NextCallAsync();
            calls[call.Offset] = call;
        }

        for (var offset = 9; offset >= 1; offset--)
        {
            calls[offset].Complete();
        }

        await Eventually.Until(() => context.Completed == 9, "offsets 1..9 completed");
        CommitOffset(worker).ShouldBe(0);

        calls[0].Complete();
        await Eventually.Until(() => context.Completed == 10, "offset 0 completed");
        CommitOffset(worker).ShouldBe(10);
    }

    [Fact]
    public async Task Release_PartitionSequential_ReinvokesSameRecordAfterBackoffBeforeLaterOnes()
    {
        var processor = new ScriptedProcessor();
        var time = new TimerSignallingTimeProvider();
        var context = Context(processor.Processor, new KafkaConsumerOptions(), time);
        var worker = new PartitionWorker(Partition0, context);
        Dispatch(worker, TestRecords.At(0));
        Dispatch(worker, TestRecords.At(1));

        var first = await processor.NextCallAsync();
        first.Outcome.SetResult(RecordOutcome.Release);
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(99));
        processor.TryTakeCall(out _).ShouldBeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));

        var second = await processor.NextCallAsync();
        second.Offset.ShouldBe(0);
        second.Outcome.SetResult(RecordOutcome.Release);
        await time.WaitForTimerAsync();
        time.Advance(TimeSpan.FromMilliseconds(199));
        processor.TryTakeCall(out _).ShouldBeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));

        var third = await processor.NextCallAsync();
        third.Offset.ShouldBe(0);
        CommitOffset(worker).ShouldBe(0);
        third.Complete();
        (await processor.NextCallAsync()).Offset.ShouldBe(1);
        CommitOffset(worker).ShouldBe(1);
    }

    [Fact]
    public async Task Stop_Outcome_RequestsStopAndNeitherCommitsNorRunsLaterRecords()
    {
        var processor = new ScriptedProcessor();
        var context = Context(processor.Processor);
        var worker = new PartitionWorker(Partition0, context);
        Dispatch(worker, TestRecords.At(0));
        Dispatch(worker, TestRecords.At(1));
        Dispatch(worker, TestRecords.At(2));

        (await processor.NextCallAsync()).Complete();
        var stopping = await processor.NextCallAsync();
        stopping.Outcome.SetResult(RecordOutcome.Stop);

        await Eventually.Until(() => context.StopRequested, "the stop request");
        context.StoppedAt.ShouldBe(new TopicPartitionOffset(Partition0, 1));
        context.StopError.ShouldBeNull();
        worker.BeginClose();
        await worker.Drained.WithinDeadline("the worker to drain");
        CommitOffset(worker).ShouldBe(1);
        processor.TryTakeCall(out _).ShouldBeFalse();
        context.Outstanding.ShouldBe(0);
        context.Completed.ShouldBe(1);
    }

    [Fact]
    public async Task Processor_Throws_StopsWithTheErrorAndDoesNotCommitTheRecord()
    {
        var failure = new InvalidOperationException("boom");
        var context = Context((_, _, _) => throw failure);
        var worker = new PartitionWorker(Partition0, context);

        Dispatch(worker, TestRecords.At(4));

        await Eventually.Until(() => context.StopRequested, "the stop request");
        context.StopError.ShouldBeSameAs(failure);
        context.StoppedAt!.Offset.Value.ShouldBe(4);
        CommitOffset(worker).ShouldBe(4);
    }

    [Fact]
    public async Task BeginClose_DuringReleaseBackoff_GivesUpWithoutCommitting()
    {
        var processor = new ScriptedProcessor();
        var time = new TimerSignallingTimeProvider();
        var context = Context(processor.Processor, new KafkaConsumerOptions(), time);
        var worker = new PartitionWorker(Partition0, context);
        Dispatch(worker, TestRecords.At(0));
        Dispatch(worker, TestRecords.At(1));
        (await processor.NextCallAsync()).Outcome.SetResult(RecordOutcome.Release);
        await time.WaitForTimerAsync();

        worker.BeginClose();

        await worker.Drained.WithinDeadline("the worker to drain without time passing");
        processor.TryTakeCall(out _).ShouldBeFalse();
        CommitOffset(worker).ShouldBe(0);
        context.Outstanding.ShouldBe(0);
    }

    [Fact]
    public async Task Abort_ProcessorWaiting_CancelsItsTokenOnlyAfterBeginClose()
    {
        var processor = new ScriptedProcessor();
        var context = Context(processor.Processor);
        var worker = new PartitionWorker(Partition0, context);
        Dispatch(worker, TestRecords.At(0));
        var call = await processor.NextCallAsync();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        call.CancellationToken.Register(() => cancelled.TrySetResult());

        worker.BeginClose();
        call.CancellationToken.IsCancellationRequested.ShouldBeFalse();
        worker.Drained.IsCompleted.ShouldBeFalse();
        worker.Abort();

        await cancelled.Task.WithinDeadline("the processor's token to be cancelled");
        call.Outcome.SetException(new OperationCanceledException(call.CancellationToken));
        await worker.Drained.WithinDeadline("the worker to drain");
        context.StopRequested.ShouldBeFalse();
        CommitOffset(worker).ShouldBe(0);
    }

    [Fact]
    public async Task BeginClose_ProcessorWaiting_CancelsItsRevokedTokenAtOnce_AndItsWorkTokenOnlyOnAbort()
    {
        // Regression: a record waiting to retry held a revoke for the whole grace period, because the processor only
        // had the token cancelled after it.
        var processor = new ScriptedProcessor();
        var context = Context(processor.Processor);
        var worker = new PartitionWorker(Partition0, context);
        Dispatch(worker, TestRecords.At(0));
        var call = await processor.NextCallAsync();
        call.Revoked.IsCancellationRequested.ShouldBeFalse();

        worker.BeginClose();

        call.Revoked.IsCancellationRequested.ShouldBeTrue();
        call.CancellationToken.IsCancellationRequested.ShouldBeFalse();
        call.Outcome.SetException(new OperationCanceledException(call.Revoked));
        await worker.Drained.WithinDeadline("the worker to drain");
        context.StopRequested.ShouldBeFalse();
        CommitOffset(worker).ShouldBe(0);
    }

    [Fact]
    public async Task Enqueue_KeyParallelTwoPartitions_MaxDegreeOfParallelismIsConsumerWide()
    {
        var processor = new ScriptedProcessor();
        var context = Context(processor.Processor, KeyParallel(2));
        var worker0 = new PartitionWorker(Partition0, context);
        var worker1 = new PartitionWorker(new TopicPartition("test-topic", 1), context);
        for (var offset = 0; offset < 3; offset++)
        {
            Dispatch(worker0, TestRecords.At(offset, $"p0-{offset}", partition: 0));
            Dispatch(worker1, TestRecords.At(offset, $"p1-{offset}", partition: 1));
        }

        var first = await processor.NextCallAsync();
        await processor.NextCallAsync();
        processor.TryTakeCall(out _).ShouldBeFalse();
        first.Complete();
        await processor.NextCallAsync();
        processor.TryTakeCall(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Enqueue_AfterBeginClose_IsIgnored()
    {
        var processor = new ScriptedProcessor();
        var context = Context(processor.Processor);
        var worker = new PartitionWorker(Partition0, context);
        worker.BeginClose();

        Dispatch(worker, TestRecords.At(0));

        await worker.Drained.WithinDeadline("the empty worker to drain");
        context.Outstanding.ShouldBe(0);
        worker.TryGetOffsetToCommit(out _).ShouldBeFalse();
    }

    private static ConsumerRunContext Context(
        RecordProcessor processor, KafkaConsumerOptions? options = null, TimeProvider? time = null) =>
        new(processor, options ?? new KafkaConsumerOptions(), time ?? TimeProvider.System, NullLogger.Instance);

    private static KafkaConsumerOptions KeyParallel(int degree) => new()
    {
        Ordering = KafkaOrderingMode.KeyParallel,
        MaxDegreeOfParallelism = degree,
    };

    private static long CommitOffset(PartitionWorker worker)
    {
        worker.TryGetOffsetToCommit(out var offset).ShouldBeTrue();
        return offset.Offset.Value;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value
               && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
