using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Batching;

/// <summary>
/// Handlers taking <c>IReadOnlyList&lt;T&gt;</c> on the embedded cluster: how batches form (by size, by wait, per
/// partition in offset order), that offsets are committed only once a whole batch is done, and the failure paths — a
/// batch retried as a whole, a poison record handled alone into the dead letter, a malformed record never in a batch.
/// </summary>
public sealed class KafkaBatchHandlerTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Bulk = "orders.bulk";

    public sealed record Order(string OrderId, decimal Amount);

    /// <summary>Every call of a batch handler, in the order of the calls, and what a call does besides recording.</summary>
    public sealed class Calls
    {
        public ConcurrentQueue<Received<Order>[]> Batches { get; } = new();

        public Func<IReadOnlyList<Received<Order>>, CancellationToken, Task> Behaviour { get; set; } = (_, _) => Task.CompletedTask;

        public IEnumerable<string> Handled => Batches.SelectMany(b => b).Select(r => r.Message.OrderId);

        public Task Record(IReadOnlyList<Received<Order>> orders, CancellationToken cancellationToken)
        {
            Batches.Enqueue([.. orders]);
            return Behaviour(orders, cancellationToken);
        }
    }

    public sealed class BulkConsumer(Calls calls)
    {
        [KafkaConsumer(Bulk, "set-by-test")]
        public Task Handle(IReadOnlyList<Received<Order>> orders, CancellationToken cancellationToken) => calls.Record(orders, cancellationToken);
    }

    public sealed class RetriedBulkConsumer(Calls calls)
    {
        [InstantRetry(1)]
        [KafkaConsumer(Bulk, "set-by-test")]
        public Task Handle(IReadOnlyList<Received<Order>> orders, CancellationToken cancellationToken) => calls.Record(orders, cancellationToken);
    }

    public sealed class DelayedRetryBulkConsumer(Calls calls)
    {
        [DelayedRetry(1, InitialDelayMs = 200)]
        [KafkaConsumer(Bulk, "set-by-test")]
        public Task Handle(IReadOnlyList<Received<Order>> orders, CancellationToken cancellationToken) => calls.Record(orders, cancellationToken);
    }

    /// <summary>Takes the payloads alone, with the batch limits on the attribute.</summary>
    public sealed class AttributeSizedConsumer(Calls calls)
    {
        public ConcurrentQueue<Order[]> Payloads { get; } = new();

        [KafkaConsumer("orders.attribute-sized", "set-by-test", MaxBatchSize = 3, MaxBatchWaitMilliseconds = 300_000)]
        public void Handle(IReadOnlyList<Order> orders) => calls.Batches.Enqueue([.. orders.Select(o => new Received<Order>(o, new MessageHeaders()))]);
    }

    [Fact]
    public async Task Batches_FormBySize_InOffsetOrder_WithEachRecordsKafkaMetadata()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 12).Select(i => KafkaTestData.Order(i)));
        var calls = new Calls();
        await using var services = Build<BulkConsumer>(topic, calls, size: 4, wait: TimeSpan.FromMinutes(5));

        var result = await services.RunUntilEmpty(Bulk);

        result.Finished.ShouldBe(12);
        calls.Batches.Select(b => b.Length).ShouldBe([4, 4, 4], "with a wait of minutes, only a full batch starts");
        var records = calls.Batches.SelectMany(b => b).Select(r => r.Kafka()).ToList();
        records.Select(r => r.Offset).ShouldBe(Enumerable.Range(0, 12).Select(i => (long)i));
        records.ShouldAllBe(r => r.Topic == topic && r.Partition == 0);
        records.Select(r => r.Key).ShouldBe(Enumerable.Range(0, 12).Select(i => $"key-{i}"));
        calls.Handled.ShouldBe(Enumerable.Range(0, 12).Select(i => $"o-{i}"));
        Committed(topic, 1).ShouldBe(12);
    }

    [Fact]
    public async Task Batches_FormByWait_WhenFewerRecordsThanTheSizeArrive()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 5).Select(i => KafkaTestData.Order(i)));
        var calls = new Calls();
        await using var services = Build<BulkConsumer>(topic, calls, size: 100, wait: TimeSpan.FromMilliseconds(200));

        var result = await services.RunUntilEmpty(Bulk);

        result.Finished.ShouldBe(5);
        calls.Batches.ShouldAllBe(b => b.Length < 100, "no batch filled up: each started when its wait was over");
        calls.Handled.ShouldBe(Enumerable.Range(0, 5).Select(i => $"o-{i}"));
    }

    [Fact]
    public async Task Attribute_SetsTheBatchSize_ForAHandlerOfPayloadsAlone()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 6).Select(i => KafkaTestData.Order(i)));
        var calls = new Calls();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<AttributeSizedConsumer>(),
            s => s.AddSingleton(calls),
            o => o.Consumers["orders.attribute-sized"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });

        (await services.RunUntilEmpty("orders.attribute-sized")).Finished.ShouldBe(6);

        calls.Batches.Select(b => b.Length).ShouldBe([3, 3]);
        calls.Handled.ShouldBe(Enumerable.Range(0, 6).Select(i => $"o-{i}"));
    }

    [Fact]
    public async Task Batches_AreOfOnePartition_AndEachPartitionsOrderHoldsAcrossBatches()
    {
        var topic = await cluster.CreateTopicAsync(3);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 90).Select(i => KafkaTestData.Order(i, partition: i % 3)));
        var calls = new Calls();
        await using var services = Build<BulkConsumer>(topic, calls, size: 7, wait: TimeSpan.FromMilliseconds(50));

        (await services.RunUntilEmpty(Bulk)).Finished.ShouldBe(90);

        var batches = calls.Batches.Select(b => b.Select(r => r.Kafka()).ToList()).ToList();
        batches.ShouldAllBe(b => b.Count <= 7 && b.All(r => r.Partition == b[0].Partition));
        foreach (var partition in batches.GroupBy(b => b[0].Partition))
        {
            partition.SelectMany(b => b).Select(r => r.Offset).ShouldBe(Enumerable.Range(0, 30).Select(i => (long)i), $"partition {partition.Key} in offset order across its batches");
        }
    }

    [Fact]
    public async Task StoppedConsumer_CommitsNothingOfAnUnfinishedBatch_TheNextRunGetsItAgain()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 6).Select(i => KafkaTestData.Order(i)));
        var stuck = new Calls();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stuck.Behaviour = async (_, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, token); // until the stop's grace period is over
        };

        await using (var first = Build<BulkConsumer>(topic, stuck, size: 3, wait: TimeSpan.FromMinutes(5), shutdownTimeout: TimeSpan.FromMilliseconds(500)))
        {
            using var stop = new CancellationTokenSource();
            var run = first.GetRequiredService<IConsumerRunner>().RunAsync(Bulk, cancellationToken: stop.Token);
            await started.Task.WaitAsync(Eventually.DefaultTimeout);
            await stop.CancelAsync();
            await run.WaitAsync(Eventually.DefaultTimeout);
        }

        stuck.Batches.Select(b => b.Length).ShouldBe([3], "the second batch of the partition waits for the first");
        Committed(topic, 1).ShouldBe(0, "no offset of a batch that did not finish is committed");

        var calls = new Calls();
        await using var second = Build<BulkConsumer>(topic, calls, size: 3, wait: TimeSpan.FromMinutes(5));
        (await second.RunUntilEmpty(Bulk)).Finished.ShouldBe(6);

        calls.Handled.ShouldBe(Enumerable.Range(0, 6).Select(i => $"o-{i}"), "nothing lost: the unfinished batch comes again");
        Committed(topic, 1).ShouldBe(6);
    }

    [Fact]
    public async Task FailingOnce_TheBatchIsRetriedWhole_ThenCommitted()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 4).Select(i => KafkaTestData.Order(i)));
        var calls = new Calls();
        var failures = 0;
        calls.Behaviour = (_, _) => Interlocked.Increment(ref failures) == 1 ? throw new TimeoutException("the warehouse did not answer") : Task.CompletedTask;
        await using var services = Build<RetriedBulkConsumer>(topic, calls, size: 4, wait: TimeSpan.FromMinutes(5));

        var result = await services.RunUntilEmpty(Bulk);

        result.Finished.ShouldBe(4);
        result.Failed.ShouldBe(0);
        calls.Batches.Select(b => string.Join(",", b.Select(r => r.Message.OrderId))).ShouldBe(["o-0,o-1,o-2,o-3", "o-0,o-1,o-2,o-3"], "the instant retry runs the same batch again");
        (await Kcat.ConsumeAllAsync(cluster, $"{topic}.dead-letter")).ShouldBeEmpty();
        Committed(topic, 1).ShouldBe(4);
    }

    [Fact]
    public async Task PoisonRecord_AmongGoodOnes_TheBatchGoesRecordByRecord_OnlyThePoisonOneIsDeadLettered()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 5).Select(i => KafkaTestData.Order(i, amount: i == 2 ? -1 : i)));
        var calls = new Calls
        {
            Behaviour = (orders, _) => orders.FirstOrDefault(o => o.Message.Amount < 0) is { } bad
                ? throw new InvalidOperationException($"order {bad.Message.OrderId} has a negative amount")
                : Task.CompletedTask,
        };
        await using var services = Build<BulkConsumer>(topic, calls, size: 5, wait: TimeSpan.FromMinutes(5));

        var result = await services.RunUntilEmpty(Bulk);

        result.Finished.ShouldBe(5, "the dead-lettered record is finished too");
        calls.Batches.Select(b => string.Join(",", b.Select(r => r.Message.OrderId)))
            .ShouldBe(["o-0,o-1,o-2,o-3,o-4", "o-0", "o-1", "o-2", "o-3", "o-4"], "after the batch failed, each record alone, in order");
        var deadLetters = await Kcat.ConsumeAllAsync(cluster, $"{topic}.dead-letter");
        deadLetters.Count.ShouldBe(1);
        deadLetters[0].Payload.ShouldNotBeNull().ShouldContain("\"o-2\"");
        deadLetters[0].Header(MessageHeaderNames.ExceptionMessage).ShouldBe("order o-2 has a negative amount", "its own reason, not the batch's");
        Committed(topic, 1).ShouldBe(5);
    }

    [Fact]
    public async Task RecordFailingAlone_GoesToTheRetryTopic_ThenComesBackInABatchOfItsOwn()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 3).Select(i => KafkaTestData.Order(i)));
        var seen = 0;
        var calls = new Calls
        {
            // o-1 fails the batch and its first call alone; the delayed retry succeeds.
            Behaviour = (orders, _) => orders.Any(o => o.Message.OrderId == "o-1") && Interlocked.Increment(ref seen) <= 2
                ? throw new TimeoutException("the warehouse did not answer for o-1")
                : Task.CompletedTask,
        };
        await using var services = Build<DelayedRetryBulkConsumer>(topic, calls, size: 3, wait: TimeSpan.FromMilliseconds(50));

        await services.RunUntil(Bulk, () => calls.Batches.Count == 5, "o-1 came back from the retry topic");

        calls.Batches.Select(b => string.Join(",", b.Select(r => r.Message.OrderId))).ShouldBe(["o-0,o-1,o-2", "o-0", "o-1", "o-2", "o-1"]);
        calls.Batches.Last().Single().Kafka().Topic.ShouldBe($"{Bulk}.g-{topic}.retry");
        (await Kcat.ConsumeAllAsync(cluster, $"{topic}.dead-letter")).ShouldBeEmpty();
    }

    [Fact]
    public async Task MalformedRecord_NeverEntersTheBatch_IsDeadLetteredWithItsReason_TheRestFlowsAsOneBatch()
    {
        var topic = await cluster.CreateTopicAsync(1);
        KafkaTestData.Produce(cluster, topic, Enumerable.Range(0, 5).Select(i => i == 1 ? ("key-1", "{oops", 0) : KafkaTestData.Order(i)));
        var calls = new Calls();
        await using var services = Build<BulkConsumer>(topic, calls, size: 5, wait: TimeSpan.FromMinutes(5));

        var result = await services.RunUntilEmpty(Bulk);

        result.Finished.ShouldBe(5);
        calls.Batches.Select(b => string.Join(",", b.Select(r => r.Message.OrderId))).ShouldBe(["o-0,o-2,o-3,o-4"]);
        var deadLetters = await Kcat.ConsumeAllAsync(cluster, $"{topic}.dead-letter");
        deadLetters.Count.ShouldBe(1);
        deadLetters[0].Payload.ShouldBe("{oops");
        deadLetters[0].Header(MessageHeaderNames.ExceptionMessage).ShouldNotBeNull().ShouldContain("is not a valid Order");
        Committed(topic, 1).ShouldBe(5);
    }

    private ServiceProvider Build<THandler>(string topic, Calls calls, int size, TimeSpan wait, TimeSpan? shutdownTimeout = null)
        where THandler : class =>
        ConveyorOnKafka.Build(
            cluster,
            c =>
            {
                c.AddHandler<THandler>();
                if (shutdownTimeout is { } timeout)
                {
                    c.Configure(o => o.ShutdownTimeout = timeout);
                }
            },
            s => s.AddSingleton(calls),
            o => o.Consumers[Bulk] = new KafkaChannelOptions
            {
                Topic = topic,
                GroupId = $"g-{topic}",
                Consuming = new KafkaConsumerOptions { MaxBatchSize = size, MaxBatchWait = wait, CommitInterval = TimeSpan.FromMilliseconds(100) },
            });

    private long Committed(string topic, int partitions) =>
        Channels.KafkaConsumerAttributeTests.Committed(cluster, $"g-{topic}", topic, partitions);
}
