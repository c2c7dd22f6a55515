using System.Collections.Concurrent;
using System.Diagnostics;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>
/// A consumer waiting in place on a delayed retry (<see cref="KafkaRetryMode.Blocking"/>) does not get stuck when its
/// partition is revoked (KafkaFlow #581): the wait is cancelled, the record is not committed, and the partition's new
/// owner handles it.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BlockingRetryRebalanceTests(KafkaTestCluster cluster, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = "retrying";
    private const int RetryDelayMs = 120_000;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Every attempt, by consumer, partition and offset.</summary>
    public sealed class Attempts
    {
        public ConcurrentQueue<(string Consumer, string MessageId, int Partition, long Offset)> All { get; } = new();

        public int Count(string consumer, int partition, long offset) => All.Count(a => a.Consumer == consumer && a.Partition == partition && a.Offset == offset);
    }

    /// <summary>Fails in consumer "a" (which then waits two minutes to retry), succeeds in any other.</summary>
    public sealed class FailingInA(Attempts attempts, Recorded recorded, ConsumerName consumer)
    {
        [Asynchronous(Channel)]
        [CommandHandler(EndpointId = "reliability.retrying.handle")]
        [DelayedRetry(3, InitialDelayMs = RetryDelayMs)]
        public void Handle(Sequenced message, MessageHeaders headers, [Header("kafka_partition")] int partition, [Header("kafka_offset")] long offset)
        {
            attempts.All.Enqueue((consumer.Name, headers.MessageId!, partition, offset));
            if (consumer.Name == "a")
            {
                throw new InvalidOperationException($"{headers.MessageId} fails in consumer a");
            }

            recorded.Add(consumer.Name, headers.MessageId!, message, partition);
        }
    }

    [Fact]
    public async Task BlockingRetryWaiting_PartitionMovesToAnotherConsumer_WaitIsCancelled_RecordUncommitted_NewOwnerHandlesIt()
    {
        const int Messages = 20;
        var topic = await cluster.CreateTopicAsync(2, purpose: "blockingretry");
        var group = $"g-{topic}";
        var attempts = new Attempts();
        var recorded = new Recorded();
        var logs = new CapturedLogs();
        await using var a = Build("a");
        await using var b = Build("b");
        var bus = a.GetRequiredService<ICommandBus>();
        for (var i = 0; i < Messages; i++)
        {
            await bus.SendAsync(new Sequenced($"r-{i:D2}", i), new Dictionary<string, string> { [MessageHeaderNames.MessageId] = $"r-{i:D2}", [MessageHeaderNames.PartitionKey] = $"r-{i:D2}" });
        }

        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.GetRequiredService<IConsumerRunner>().RunAsync(Channel, cancellationToken: stopA.Token);
        await Waits.UntilAsync(
            () => attempts.All.Where(x => x.Consumer == "a").Select(x => x.Partition).Distinct().Count() == 2,
            "consumer a failed on the first record of both partitions and waits to retry them",
            StepTimeout);
        attempts.All.ShouldAllBe(x => x.Offset == 0, "a partition-sequential consumer waiting on a retry handles nothing behind it");

        var clock = Stopwatch.StartNew();
        var runB = b.GetRequiredService<IConsumerRunner>().RunAsync(Channel, cancellationToken: stopB.Token);
        var lag = a.GetRequiredService<IKafkaLag>();
        IReadOnlyList<PartitionLag> partitions = [];
        await Waits.UntilAsync(
            async () =>
            {
                if (recorded.Count == 0)
                {
                    return false;
                }

                var taken = recorded.Handled.First().Partition;
                partitions = (await lag.GetLagAsync(Channel)).Where(p => p.Topic == topic).ToList();
                return partitions.Single(p => p.Partition == taken).Lag == 0;
            },
            "consumer b took a partition from a, handled its records and committed them",
            StepTimeout,
            TimeSpan.FromMilliseconds(100));
        var handOver = clock.Elapsed;
        var movedPartition = recorded.Handled.First().Partition;
        var keptPartition = 1 - movedPartition;
        await Waits.UntilAsync(
            () => attempts.Count("a", keptPartition, 0) >= 2,
            $"consumer a, whose wait was cancelled by the revoke, got partition {keptPartition} back and tried its first record again",
            StepTimeout,
            state: () => string.Join("; ", attempts.All.Select(x => $"{x.Consumer}@{x.Partition}:{x.Offset}")));
        partitions = (await lag.GetLagAsync(Channel)).Where(p => p.Topic == topic).ToList();

        await stopB.CancelAsync();
        await runB.WaitAsync(StepTimeout);
        clock.Restart();
        await stopA.CancelAsync();
        await runA.WaitAsync(StepTimeout);
        var stopWhileWaiting = clock.Elapsed;

        output.WriteLine(
            $"b handled partition {movedPartition} ({recorded.Count} records) {handOver.TotalSeconds:0.0}s after it joined; a keeps waiting on partition {keptPartition} "
            + $"(attempts of its first record by a: {attempts.Count("a", keptPartition, 0)}); a stopped {stopWhileWaiting.TotalSeconds:0.0}s after cancellation while waiting; "
            + $"lag: {string.Join(", ", partitions.Select(p => $"[{p.Partition}] {p.Committed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}/{p.HighWatermark}"))}");
        attempts.Count("a", movedPartition, 0).ShouldBe(1, "a tried the moved partition's first record once, then waited");
        recorded.Handled.Where(h => h.Partition == movedPartition).Select(h => h.Consumer).Distinct().ShouldBe(["b"]);
        attempts.All.Where(x => x.Consumer == "b").Min(x => x.Offset).ShouldBe(0, "b starts at the record a was waiting on: a did not commit it");
        recorded.Handled.Count(h => h.Partition == movedPartition).ShouldBe((int)partitions.Single(p => p.Partition == movedPartition).HighWatermark);
        var kept = partitions.Single(p => p.Partition == keptPartition);
        (kept.Committed ?? 0).ShouldBe(0, $"a's partition {keptPartition} is still waiting on its first record: the group's position may not pass it");
        kept.Lag.ShouldBe(kept.HighWatermark);
        handOver.ShouldBeLessThan(TimeSpan.FromMilliseconds(RetryDelayMs / 4), "the hand-over waits for the revoke, not for the retry delay");
        logs.Has("a:", 3112).ShouldBeFalse("a's retry wait must end at the revoke, not hold it for the revoke grace period");
        logs.Has("a:", 3113).ShouldBeFalse("a's retry wait must honour cancellation, not be abandoned by the revoke");
        stopWhileWaiting.ShouldBeLessThan(TimeSpan.FromSeconds(5), "a consumer waiting on a retry stops without waiting out its shutdown grace period");

        ServiceProvider Build(string name) => ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<FailingInA>().AddKafkaChannel(Channel, topic, group, o => o.RetryMode = KafkaRetryMode.Blocking),
            s => s.AddSingleton(recorded).AddSingleton(attempts).AddSingleton(new ConsumerName(name)).AddLogging(l => l.AddProvider(logs.For(name))));
    }
}
