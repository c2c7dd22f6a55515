using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

/// <summary>Release, Stop and processor failures, against a real Kafka-protocol cluster.</summary>
public sealed class KafkaConsumerEngineOutcomeTests(KafkaTestCluster kafka, ITestOutputHelper output)
    : IClassFixture<KafkaTestCluster>
{
    [Fact]
    public async Task RunAsync_PartitionSequentialRelease_RedeliversSameRecordBeforeAnyLaterOne()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var groupId = NewGroup();
        KafkaTestData.Produce(kafka, topic, partition: 0, count: 5, keyOf: i => $"key-{i}");
        var calls = new ConcurrentQueue<long>();
        var releases = 0;

        await using var run = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
        {
            calls.Enqueue(record.Offset.Value);
            var release = record.Offset.Value == 2 && Interlocked.Increment(ref releases) <= 2;
            return ValueTask.FromResult(release ? RecordOutcome.Release : RecordOutcome.Completed);
        }, stopWhenIdle: true);
        var result = await run.Completion.WithinDeadline("the idle run to finish");

        calls.ShouldBe([0, 1, 2, 2, 2, 3, 4]);
        result.Reason.ShouldBe(ConsumerStopReason.Idle);
        result.RecordsCompleted.ShouldBe(5);
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 1);
        committed.Of(0).ShouldBe(5);
    }

    [Fact]
    public async Task RunAsync_ReleasedRecordWhenStopped_IsNotCommittedAndComesBackFirst()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var groupId = NewGroup();
        KafkaTestData.Produce(kafka, topic, partition: 0, count: 4);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await using (var run = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
        {
            if (record.Offset.Value < 2)
            {
                return ValueTask.FromResult(RecordOutcome.Completed);
            }

            released.TrySetResult();
            return ValueTask.FromResult(RecordOutcome.Release);
        }))
        {
            await released.Task.WithinDeadline("offset 2 to be released");
            var result = await run.StopAsync();
            result.RecordsCompleted.ShouldBe(2);
        }

        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 1);
        committed.Of(0).ShouldBe(2, "the released record is never committed past");
        var calls = new ConcurrentQueue<long>();
        await using var next = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
        {
            calls.Enqueue(record.Offset.Value);
            return ValueTask.FromResult(RecordOutcome.Completed);
        }, stopWhenIdle: true, name: "next");
        await next.Completion.WithinDeadline("the next run to finish");
        calls.ShouldBe([2, 3]);
    }

    [Fact]
    public async Task RunAsync_StopOutcome_StopsWithoutCommittingAndTheNextConsumerStartsAtIt()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var groupId = NewGroup();
        KafkaTestData.Produce(kafka, topic, partition: 0, count: 10);

        KafkaConsumerRunResult stopped;
        await using (var run = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
            ValueTask.FromResult(record.Offset.Value == 5 ? RecordOutcome.Stop : RecordOutcome.Completed)))
        {
            stopped = await run.Completion.WithinDeadline("the run to stop on offset 5");
        }

        stopped.Reason.ShouldBe(ConsumerStopReason.StoppedOnRecord);
        stopped.StoppedAt.ShouldBe(new TopicPartitionOffset(topic, 0, 5));
        stopped.RecordsCompleted.ShouldBe(5);
        stopped.Error.ShouldBeNull();
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 1);
        committed.Of(0).ShouldBe(5);

        var calls = new ConcurrentQueue<long>();
        await using var next = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
        {
            calls.Enqueue(record.Offset.Value);
            return ValueTask.FromResult(RecordOutcome.Completed);
        }, stopWhenIdle: true, name: "next");
        var finished = await next.Completion.WithinDeadline("the next run to finish");

        calls.ShouldBe([5, 6, 7, 8, 9]);
        finished.Reason.ShouldBe(ConsumerStopReason.Idle);
        committed.Of(0).ShouldBe(10);
    }

    [Fact]
    public async Task RunAsync_ProcessorThrows_StopsWithTheErrorAndKeepsTheRecord()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var groupId = NewGroup();
        KafkaTestData.Produce(kafka, topic, partition: 0, count: 3);

        await using var run = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
            record.Offset.Value == 1
                ? throw new InvalidOperationException("handler layer bug")
                : ValueTask.FromResult(RecordOutcome.Completed));
        var result = await run.Completion.WithinDeadline("the run to stop");

        result.Reason.ShouldBe(ConsumerStopReason.ProcessorFailed);
        result.StoppedAt!.Offset.Value.ShouldBe(1);
        result.Error.ShouldBeOfType<InvalidOperationException>();
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 1);
        committed.Of(0).ShouldBe(1);
    }

    private static string NewGroup() => "group-" + Guid.NewGuid().ToString("N");
}
