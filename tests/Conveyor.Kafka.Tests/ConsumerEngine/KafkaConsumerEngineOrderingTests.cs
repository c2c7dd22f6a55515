using System.Collections.Concurrent;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

/// <summary>Ordering guarantees under load, against a real Kafka-protocol cluster.</summary>
public sealed class KafkaConsumerEngineOrderingTests(KafkaTestCluster kafka, ITestOutputHelper output)
    : IClassFixture<KafkaTestCluster>
{
    [Fact]
    public async Task RunAsync_KeyParallelManyKeys_KeepsPerKeyOrderAndRunsKeysInParallel()
    {
        const int partitions = 3;
        const int records = 3000;
        const int keys = 60;
        var topic = await kafka.CreateTopicAsync(partitions);
        var groupId = "group-" + Guid.NewGuid().ToString("N");
        KafkaTestData.Produce(kafka, topic, Enumerable.Range(0, records).Select(i => (i % keys % partitions, (string?)$"key-{i % keys}")));
        var lastOffsetByKey = new ConcurrentDictionary<string, long>();
        var violations = new ConcurrentQueue<string>();
        var running = new ConcurrentDictionary<string, int>();
        var inFlight = 0;
        var maxInFlight = 0;
        var options = EngineRun.FastOptions();
        options.Ordering = KafkaOrderingMode.KeyParallel;
        options.MaxDegreeOfParallelism = 16;

        await using var run = EngineRun.Start(kafka, output, groupId, topic, async (record, _, _) =>
        {
            var key = TestRecords.KeyOf(record)!;
            var now = Interlocked.Increment(ref inFlight);
            int seen;
            while ((seen = Volatile.Read(ref maxInFlight)) < now && Interlocked.CompareExchange(ref maxInFlight, now, seen) != seen)
            {
            }

            if (running.AddOrUpdate(key, 1, (_, count) => count + 1) > 1)
            {
                violations.Enqueue($"{key} ran twice at once at offset {record.Offset.Value}");
            }

            if (lastOffsetByKey.TryGetValue(key, out var last) && last >= record.Offset.Value)
            {
                violations.Enqueue($"{key}: offset {record.Offset.Value} after {last}");
            }

            lastOffsetByKey[key] = record.Offset.Value;
            if (record.Offset.Value % 5 == 0)
            {
                await Task.Delay(1); // some handlers wait on I/O, most return quickly
            }
            else
            {
                await Task.Yield();
            }

            running.AddOrUpdate(key, 0, (_, count) => count - 1);
            Interlocked.Decrement(ref inFlight);
            return RecordOutcome.Completed;
        }, options, stopWhenIdle: true);
        var result = await run.Completion.WithinDeadline("the idle run to finish");

        violations.ShouldBeEmpty();
        result.Reason.ShouldBe(ConsumerStopReason.Idle);
        result.RecordsCompleted.ShouldBe(records);
        lastOffsetByKey.Count.ShouldBe(keys);
        maxInFlight.ShouldBeGreaterThan(1, "different keys run in parallel");
        maxInFlight.ShouldBeLessThanOrEqualTo(16);
        using var committed = KafkaTestData.CommittedOffsets(kafka, groupId, topic, partitions);
        committed.All().ShouldBe([records / partitions, records / partitions, records / partitions]);
    }
}
