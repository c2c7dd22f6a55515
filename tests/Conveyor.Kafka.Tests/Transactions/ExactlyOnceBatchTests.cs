using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Transactions;

/// <summary>
/// Batch handlers (<c>IReadOnlyList&lt;T&gt;</c>) on an exactly-once consumer: a batch enters the consumer's transaction
/// as one unit, its handler's sends and its records' offsets commit together; the failure path (the batch, then record
/// by record) writes no output of a failed attempt and dead-letters the failing record once; a rebalance between two
/// instances commits the batches in flight with the revoked partitions' offsets, no transaction aborting.
/// </summary>
public sealed class ExactlyOnceBatchTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Bulk = "orders.eos-bulk";
    private const string ShipmentsChannel = "eos-bulk.shipments";

    public sealed record Order(string OrderId, decimal Amount);

    public sealed record Shipped(string OrderId, string Instance);

    /// <summary>Every call of the batch handler, and what a call does before it publishes.</summary>
    public sealed class Calls(string instance)
    {
        public string Instance { get; } = instance;

        public ConcurrentQueue<string[]> Batches { get; } = new();

        public Func<IReadOnlyList<Order>, CancellationToken, Task> Before { get; set; } = (_, _) => Task.CompletedTask;

        public IEnumerable<string> Handled => Batches.SelectMany(b => b);
    }

    /// <summary>Publishes one <see cref="Shipped"/> per order, then fails the call if an order has a negative amount.</summary>
    public sealed class BulkShipping(Calls calls, IEventBus events)
    {
        [KafkaConsumer(Bulk, "set-by-test")]
        public async Task Handle(IReadOnlyList<Order> orders, CancellationToken cancellationToken)
        {
            calls.Batches.Enqueue([.. orders.Select(o => o.OrderId)]);
            await calls.Before(orders, cancellationToken);

            // Published before the failure: a failed attempt's sends are never written (they wait until it succeeded).
            foreach (var order in orders)
            {
                await events.PublishAsync(new Shipped(order.OrderId, calls.Instance), cancellationToken);
            }

            if (orders.FirstOrDefault(o => o.Amount < 0) is { } bad)
            {
                throw new InvalidOperationException($"order {bad.OrderId} has a negative amount");
            }
        }
    }

    /// <summary>Declares where <see cref="Shipped"/> goes; its consumer is not run: the test reads the topic itself.</summary>
    public sealed class ShipmentsSink
    {
        [Asynchronous(ShipmentsChannel)]
        [EventHandler(EndpointId = "eos-bulk.shipments.sink")]
        public void Handle(Shipped shipped) => _ = shipped;
    }

    /// <summary>
    /// A database-like unit of work whose first <c>failures</c> commits fail after the handler's sends (a constraint, a
    /// lost connection), rolling back what enlisted in it, as a database unit of work does.
    /// </summary>
    public sealed class FailingCommits(int failures) : IUnitOfWorkFactory
    {
        private int _commits;

        public int Failures { get; } = failures;

        public int Commits => Volatile.Read(ref _commits);

        public ValueTask<IUnitOfWork> BeginAsync(IServiceProvider services, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IUnitOfWork>(new Work(this, services));

        private sealed class Work(FailingCommits owner, IServiceProvider services) : IUnitOfWork
        {
            private readonly List<IUnitOfWorkParticipant> _participants = [];
            private bool _ended;

            public IServiceProvider Services => services;

            public void Enlist(IUnitOfWorkParticipant participant) => _participants.Add(participant);

            public async ValueTask CommitAsync(CancellationToken cancellationToken)
            {
                if (Interlocked.Increment(ref owner._commits) <= owner.Failures)
                {
                    await RollbackAsync(cancellationToken);
                    throw new InvalidOperationException("the database refused the commit");
                }

                _ended = true;
                foreach (var participant in _participants)
                {
                    await participant.CommitAsync(cancellationToken);
                }
            }

            public async ValueTask RollbackAsync(CancellationToken cancellationToken)
            {
                if (_ended)
                {
                    return;
                }

                _ended = true;
                foreach (var participant in _participants)
                {
                    await participant.RollbackAsync(cancellationToken);
                }
            }
        }
    }

    [Fact]
    public async Task BatchHandler_ItsSendsAndItsRecordsOffsets_CommitInTheTransaction_EachOutputOnce()
    {
        var (input, output) = await TopicsAsync(partitions: 2);
        KafkaTestData.Produce(cluster, input, Enumerable.Range(0, 40).Select(i => KafkaTestData.Order(i, partition: i % 2)));
        var calls = new Calls("one");
        await using var services = Build(input, output, calls, size: 10, wait: TimeSpan.FromMinutes(5));

        (await services.RunUntilEmpty(Bulk)).Finished.ShouldBe(40);

        calls.Batches.Select(b => b.Length).ShouldBe([10, 10, 10, 10], ignoreOrder: true, "whole batches, each in the transaction as one unit");
        Shipments(output).Select(s => s.OrderId).Order().ToList().ShouldBe(Enumerable.Range(0, 40).Select(i => $"o-{i}").Order().ToList(), "one shipment per order");
        HasTransactionMarkers(output).ShouldBeTrue("the shipments were written by the consumer's transactional producer");
        Committed(input, 2).ShouldBe(40, "every offset committed with the transactions");
    }

    [Fact]
    public async Task PoisonRecordInABatch_IsDeadLetteredOnce_ItsGoodNeighboursOutputsAppearOnce_TheFailedBatchWroteNothing()
    {
        var (input, output) = await TopicsAsync(partitions: 1);
        KafkaTestData.Produce(cluster, input, Enumerable.Range(0, 5).Select(i => KafkaTestData.Order(i, amount: i == 2 ? -1 : i)));
        var calls = new Calls("one");
        await using var services = Build(input, output, calls, size: 5, wait: TimeSpan.FromMinutes(5));

        var result = await services.RunUntilEmpty(Bulk);

        result.Finished.ShouldBe(5, "the dead-lettered record is finished too");
        calls.Batches.Select(b => string.Join(",", b)).ShouldBe(["o-0,o-1,o-2,o-3,o-4", "o-0", "o-1", "o-2", "o-3", "o-4"], "after the batch failed, each record alone, in order");
        Shipments(output).Select(s => s.OrderId).Order().ToList().ShouldBe(["o-0", "o-1", "o-3", "o-4"], "the good records' outputs once: neither the failed batch's nor o-2's were written");
        var deadLetters = await Kcat.ConsumeAllAsync(cluster, $"{input}.dead-letter");
        deadLetters.Count.ShouldBe(1, "the poison record, once");
        deadLetters[0].Payload.ShouldNotBeNull().ShouldContain("\"o-2\"");
        deadLetters[0].Header(MessageHeaderNames.ExceptionMessage).ShouldBe("order o-2 has a negative amount");
        Committed(input, 1).ShouldBe(5, "the offsets committed with the outputs and the dead letter");
    }

    [Fact]
    public async Task UnitOfWorkRollsBackAfterTheBatchsSends_TheTransactionAborts_NothingOfItCommits_TheRecordsComeAgain()
    {
        var (input, output) = await TopicsAsync(partitions: 1);
        KafkaTestData.Produce(cluster, input, Enumerable.Range(0, 4).Select(i => KafkaTestData.Order(i)));
        var calls = new Calls("one");
        var database = new FailingCommits(failures: 1);
        await using (var failing = Build(input, output, calls, size: 4, wait: TimeSpan.FromMinutes(5), s => s.AddSingleton<IUnitOfWorkFactory>(database)))
        {
            var error = await Should.ThrowAsync<ConveyorException>(() => failing.RunUntilEmpty(Bulk));
            error.Message.ShouldContain("an attempt that wrote into it failed afterwards (its unit of work rolled back)");
        }

        database.Commits.ShouldBe(5, "the batch's unit of work failed after its sends went into the transaction; each record alone then succeeded, in the same transaction");
        Committed(input, 1).ShouldBe(0, "the aborted transaction committed no offset: the batch's records were not finished");

        calls.Batches.Select(b => b.Length).ShouldBe([4, 1, 1, 1, 1]);
        calls.Batches.Clear();
        await using var services = Build(input, output, calls, size: 4, wait: TimeSpan.FromMinutes(5), s => s.AddSingleton<IUnitOfWorkFactory>(database));
        (await services.RunUntilEmpty(Bulk)).Finished.ShouldBe(4);

        calls.Batches.Select(b => string.Join(",", b)).ShouldBe(["o-0,o-1,o-2,o-3"], "the records came again, as one batch");
        Committed(input, 1).ShouldBe(4);
    }

    [Fact]
    public async Task SecondInstanceJoins_TheRevokeCommitsTheBatchesInFlight_EachHandledBatchsOutputsOnce()
    {
        const int Records = 600;
        var (input, output) = await TopicsAsync(partitions: 4);
        KafkaTestData.Produce(cluster, input, Enumerable.Range(0, Records).Select(i => KafkaTestData.Order(i, partition: i % 4)));
        var first = new Calls("first");
        var second = new Calls("second");

        // The first instance works slowly until the second has handled a batch, so that the second's join revokes
        // partitions from it while it has batches in its transaction; then both go at full speed.
        first.Before = (_, token) => second.Batches.IsEmpty ? Task.Delay(TimeSpan.FromMilliseconds(100), token) : Task.CompletedTask;
        await using var one = Build(input, output, first, size: 5, wait: TimeSpan.FromMilliseconds(50));
        await using var two = Build(input, output, second, size: 5, wait: TimeSpan.FromMilliseconds(50));

        using var stop = new CancellationTokenSource();
        var runs = new List<Task<ConsumerRunResult>> { one.GetRequiredService<IConsumerRunner>().RunAsync(Bulk, cancellationToken: stop.Token) };
        try
        {
            await Eventually.Until(() => !first.Batches.IsEmpty, "the first instance handles batches");
            runs.Add(two.GetRequiredService<IConsumerRunner>().RunAsync(Bulk, cancellationToken: stop.Token));
            await Eventually.Until(
                () => runs.Any(r => r.IsCompleted) || (first.Handled.Concat(second.Handled).Distinct().Count() == Records && Committed(input, 4) == Records),
                "every record handled and its offset committed");
        }
        finally
        {
            await stop.CancelAsync();
        }

        foreach (var run in runs)
        {
            (await run.WaitAsync(Eventually.DefaultTimeout)).Failed.ShouldBe(0, "no transaction aborted");
        }

        second.Batches.ShouldNotBeEmpty("the second instance took partitions over");

        // On a broker the offsets commit inside each transaction, and a read_committed reader sees each output once. The
        // embedded cluster does not store them there; the consumer then commits them again outside the transaction,
        // which it refuses while the group rebalances (docs/exactly-once.md, "Testing on the embedded cluster"), so
        // the next owner of a partition may handle records again. What it can show: every batch handled committed its
        // outputs as a whole — none lost, none of an aborted or half-committed batch — and every order was handled.
        var handled = first.Handled.Concat(second.Handled).Order().ToList();
        handled.Distinct().ToList().ShouldBe(Enumerable.Range(0, Records).Select(i => $"o-{i}").Order().ToList(), "every order handled");
        var shipped = Shipments(output);
        shipped.Select(s => s.OrderId).Order().ToList().ShouldBe(handled, "each handled batch's outputs committed once, across the revoke");
        shipped.Count(s => s.Instance == "first").ShouldBe(first.Handled.Count(), "the batches the revoke waited for committed with the revoked partitions' offsets");
    }

    private async Task<(string Input, string Output)> TopicsAsync(int partitions) =>
        (await cluster.CreateTopicAsync(partitions, purpose: "orders"), await cluster.CreateTopicAsync(1, purpose: "shipped"));

    private ServiceProvider Build(string input, string output, Calls calls, int size, TimeSpan wait, Action<IServiceCollection>? services = null) =>
        ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<BulkShipping>().AddHandler<ShipmentsSink>().AddKafkaChannel(ShipmentsChannel, output, $"g-{output}"),
            s =>
            {
                s.AddSingleton(calls);
                services?.Invoke(s);
            },
            o => o.Consumers[Bulk] = new KafkaChannelOptions
            {
                Topic = input,
                GroupId = $"g-{input}",
                ExactlyOnce = true,
                TransactionalId = $"tx-{input}-{calls.Instance}",
                Consuming = new KafkaConsumerOptions { MaxBatchSize = size, MaxBatchWait = wait, CommitInterval = TimeSpan.FromMilliseconds(100) },
            });

    private List<Shipped> Shipments(string topic) =>
        KafkaTestData.ReadToEnd<string>(cluster, topic).ConvertAll(record => JsonSerializer.Deserialize<Shipped>(record.Message.Value, JsonSerializerOptions.Web)!);

    // A transactional producer's commit marker takes an offset that no record has: the end offsets exceed the records.
    private bool HasTransactionMarkers(string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(cluster.ConsumerConfig("w-" + Guid.NewGuid().ToString("N"))).Build();
        var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
        return end > KafkaTestData.ReadToEnd<Ignore>(cluster, topic).Count;
    }

    private long Committed(string topic, int partitions) =>
        Channels.KafkaConsumerAttributeTests.Committed(cluster, $"g-{topic}", topic, partitions);
}
