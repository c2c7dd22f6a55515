using System.Collections.Concurrent;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

/// <summary>Two engines in one group, against a real Kafka-protocol cluster.</summary>
public sealed class KafkaConsumerEngineRebalanceTests(KafkaTestCluster kafka, ITestOutputHelper output)
    : IClassFixture<KafkaTestCluster>
{
    private const int Partitions = 4;
    private const int PerPartition = 150;

    [Theory]
    [InlineData("range")]
    [InlineData("cooperative-sticky")]
    public async Task RunAsync_SecondEngineJoinsMidStream_EveryRecordProcessedAndCommittedToTheEnd(string strategy)
    {
        var topic = await kafka.CreateTopicAsync(partitions: Partitions);
        var groupId = "group-" + Guid.NewGuid().ToString("N");
        KafkaTestData.Produce(kafka, topic, Records(0, PerPartition / 2));
        var processed = new ConcurrentDictionary<(int Partition, long Offset), int>();
        var byFirst = 0;
        var bySecond = 0;

        await using var first = EngineRun.Start(kafka, output, groupId, topic, async (record, _, _) =>
        {
            await Task.Delay(5); // a slow handler, so the rebalance lands while records are in flight
            processed.AddOrUpdate((record.Partition.Value, record.Offset.Value), 1, (_, count) => count + 1);
            Interlocked.Increment(ref byFirst);
            return RecordOutcome.Completed;
        }, name: "first", assignmentStrategy: strategy);
        await Eventually.Until(() => Volatile.Read(ref byFirst) >= 20, "the first engine to be under way");

        await using var second = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
        {
            processed.AddOrUpdate((record.Partition.Value, record.Offset.Value), 1, (_, count) => count + 1);
            Interlocked.Increment(ref bySecond);
            return ValueTask.FromResult(RecordOutcome.Completed);
        }, name: "second", assignmentStrategy: strategy);
        await Eventually.Until(() => !second.Observer.Assigned.IsEmpty, "the second engine to get partitions");
        KafkaTestData.Produce(kafka, topic, Records(PerPartition / 2, PerPartition));

        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, Partitions);
        await Eventually.Until(() => processed.Count == Partitions * PerPartition, "every record processed");
        // Commits sent while the group rebalances can be refused (the embedded cluster refuses them all);
        // the partitions' final owners commit once the group is stable.
        await Eventually.Until(() => committed.All().All(offset => offset == PerPartition), "every partition committed at its end");
        await first.StopAsync();
        await second.StopAsync();

        for (var partition = 0; partition < Partitions; partition++)
        {
            for (var offset = 0; offset < PerPartition; offset++)
            {
                processed.ShouldContainKey((partition, offset));
            }
        }

        Volatile.Read(ref bySecond).ShouldBeGreaterThan(0, "the second engine took part");
        first.Observer.Revoked.ShouldNotBeEmpty();
        committed.All().ShouldAllBe(offset => offset == PerPartition, "stopping never moves a committed offset back");
    }

    [Fact]
    public async Task RunAsync_PartitionRevokedWhileProcessorWaits_CancelsItsTokenAndHandsTheRecordOver()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);
        var groupId = "group-" + Guid.NewGuid().ToString("N");
        KafkaTestData.Produce(kafka, topic, [(0, "a"), (1, "b")]);
        var waiting = new TaskCompletionSource<(int Partition, long Offset)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processed = new ConcurrentDictionary<(int Partition, long Offset), int>();

        await using var first = EngineRun.Start(kafka, output, groupId, topic, async (record, cancellationToken, _) =>
        {
            if (waiting.TrySetResult((record.Partition.Value, record.Offset.Value)))
            {
                // A handler blocked in a long wait, such as a delayed retry (KafkaFlow #581).
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    cancelled.SetResult();
                    throw;
                }
            }

            processed.AddOrUpdate((record.Partition.Value, record.Offset.Value), 1, (_, count) => count + 1);
            return RecordOutcome.Completed;
        }, name: "first");
        var blocked = await waiting.Task.WithinDeadline("a processor to block");

        await using var second = EngineRun.Start(kafka, output, groupId, topic, (record, _, _) =>
        {
            processed.AddOrUpdate((record.Partition.Value, record.Offset.Value), 1, (_, count) => count + 1);
            return ValueTask.FromResult(RecordOutcome.Completed);
        }, name: "second");

        await cancelled.Task.WithinDeadline("the blocked processor's token to be cancelled on revoke");
        await Eventually.Until(() => processed.ContainsKey(blocked), "the blocked record to be processed again after the rebalance");
        await Eventually.Until(() => processed.Count == 2, "both records processed");
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions: 2);
        await Eventually.Until(() => committed.All().SequenceEqual([1L, 1L]), "both partitions committed at their end");
        await first.StopAsync();
        await second.StopAsync();
        committed.All().ShouldBe([1, 1]);
    }

    [Fact]
    public async Task RunAsync_PartitionsRevoked_CommitsTheirFinishedOffsetsBeforeHandingThemOver()
    {
        var topic = await kafka.CreateTopicAsync(partitions: Partitions);
        var groupId = "group-" + Guid.NewGuid().ToString("N");
        KafkaTestData.Produce(kafka, topic, Records(0, 10));
        var options = EngineRun.FastOptions();
        options.CommitInterval = TimeSpan.FromHours(1); // only the revoke can commit
        var byFirst = 0;
        var bySecond = 0;

        // Cooperative rebalancing revokes while the group is stable; the embedded cluster refuses commits
        // made while the whole group rebalances, as an eager revoke does.
        await using var first = EngineRun.Start(kafka, output, groupId, topic, (_, _, _) =>
        {
            Interlocked.Increment(ref byFirst);
            return ValueTask.FromResult(RecordOutcome.Completed);
        }, options, name: "first", assignmentStrategy: "cooperative-sticky");
        await Eventually.Until(() => Volatile.Read(ref byFirst) == Partitions * 10, "the first engine to finish every record");

        await using var second = EngineRun.Start(kafka, output, groupId, topic, (_, _, _) =>
        {
            Interlocked.Increment(ref bySecond);
            return ValueTask.FromResult(RecordOutcome.Completed);
        }, options, name: "second", assignmentStrategy: "cooperative-sticky");
        await Eventually.Until(() => !first.Observer.Revoked.IsEmpty, "the first engine to give partitions up");

        // Under load the embedded coordinator sometimes still counts the group as rebalancing when the revoke
        // commits, and refuses the commit (a real broker accepts it during a cooperative rebalance). The engine
        // then reports the failure and nothing is lost: the next owner handles those records again.
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, Partitions);
        var refused = first.Observer.CommitFailures.Count > 0;
        foreach (var revoked in first.Observer.Revoked)
        {
            committed.Of(revoked.Partition.Value).ShouldBeOneOf(refused ? [10, -1] : [10]);
        }

        await Eventually.Until(() => !second.Observer.Assigned.IsEmpty, "the second engine to get the partitions");
        var uncommitted = first.Observer.Revoked.Count(p => committed.Of(p.Partition.Value) != 10);
        await Eventually.Until(() => Volatile.Read(ref bySecond) >= uncommitted * 10, "the next owner to handle what the refused commit left");
        await second.StopAsync();
        Volatile.Read(ref bySecond).ShouldBe(uncommitted * 10, "the next owner starts after the records committed before the revoke");
    }

    private static IEnumerable<(int Partition, string? Key)> Records(int firstIndex, int endIndex) =>
        from index in Enumerable.Range(firstIndex, endIndex - firstIndex)
        from partition in Enumerable.Range(0, Partitions)
        select (partition, (string?)$"key-{index % 13}");
}
