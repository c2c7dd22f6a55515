using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.ConsumerEngine.Transactions;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Transactions;

/// <summary>
/// A send the broker refuses for good while an exactly-once consumer handles a record aborts the transaction (librdkafka
/// commits none after a failed send). The consumer must not then loop on that record: its next attempt fails the send
/// with the broker's refusal, and its failure policy dead-letters it in a transaction that commits.
/// </summary>
public sealed class ExactlyOnceRefusedSendTests
{
    public sealed record PlaceOrder(string Sku, int Number, string Note);

    public sealed record PlaceRetriedOrder(string Sku, int Number, string Note);

    public sealed record OrderShipped(string Sku, int Number, string Note);

    /// <summary>What the handlers send for an oversized order: to a topic of its own, led by the broker that refuses it.</summary>
    public sealed record LargeOrderShipped(string Sku, int Number, string Note);

    /// <summary>The broker that leads the large shipments' topic, and only it; see <see cref="Script.RefuseIfOversized"/>.</summary>
    private const int RefusingBroker = 3;

    /// <summary>The broker that leads every other topic of the test.</summary>
    private const int OtherBroker = 1;

    public sealed class Script(EmbeddedKafkaCluster broker)
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        /// <summary>
        /// Plays a broker whose topic allows less than the oversized shipment (<c>max.message.bytes</c>), which the
        /// embedded cluster does not enforce: every send of it that will reach the broker gets the answer such a broker
        /// gives, pushed for the next produce request. A send that will not reach it is not given one (it would fall on
        /// the next record written instead): one the transaction refuses locally after the refusal (the transaction is
        /// lost), or one that replays an earlier attempt's refusal.
        /// </summary>
        /// <remarks>
        /// The answer is pushed on the one broker that leads the large shipments' topic and nothing else, not cluster-wide:
        /// the consumer handles the orders topic and its retry topic side by side, so a cluster-wide answer meant for the
        /// retry record's shipment could fall on the shipment of an order handled meanwhile (seen: two refused records
        /// in one abort).
        /// </remarks>
        public object Shipment(PlaceOrder order) => Shipment(order.Sku, order.Number, order.Note);

        /// <inheritdoc cref="Shipment(PlaceOrder)"/>
        public object Shipment(PlaceRetriedOrder order) => Shipment(order.Sku, order.Number, order.Note);

        private object Shipment(string sku, int number, string note)
        {
            if (note.Length <= 100_000)
            {
                return new OrderShipped(sku, number, note);
            }

            var lease = TransactionLease.Current.ShouldNotBeNull("the handler runs in the consumer's transaction");
            if (lease.Refused is null && lease.RefusedBefore is null)
            {
                broker.PushBrokerRequestErrors(RefusingBroker, KafkaApiKey.Produce, ErrorCode.MsgSizeTooLarge);
            }

            return new LargeOrderShipped(sku, number, note);
        }
    }

    public sealed class Orders(ICommandBus bus, Script script)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Handle(PlaceOrder order)
        {
            script.Calls.Enqueue(order.Sku);
            await bus.SendAsync(script.Shipment(order));
        }
    }

    /// <summary>The same with one delayed retry: the retry record's attempt sends again, and is refused again.</summary>
    public sealed class RetriedOrders(ICommandBus bus, Script script)
    {
        [Asynchronous("retried-orders")]
        [CommandHandler(EndpointId = "retried-orders.place")]
        [DelayedRetry(1, InitialDelayMs = 100)]
        public async Task Handle(PlaceRetriedOrder order)
        {
            script.Calls.Enqueue(order.Sku);
            await bus.SendAsync(script.Shipment(order));
        }
    }

    /// <summary>Declares where <see cref="OrderShipped"/> goes; its consumer is not run: the test reads the topic itself.</summary>
    public sealed class Shipping
    {
        [Asynchronous("shipments")]
        [CommandHandler(EndpointId = "shipments.record")]
        public void Handle(OrderShipped shipped)
        {
        }
    }

    /// <summary>Declares where <see cref="LargeOrderShipped"/> goes; never run either.</summary>
    public sealed class LargeShipping
    {
        [Asynchronous("large-shipments")]
        [CommandHandler(EndpointId = "large-shipments.record")]
        public void Handle(LargeOrderShipped shipped)
        {
        }
    }

    [EmbeddedKafkaFact]
    public Task HandlerSendsARecordTheBrokerRefuses_RecordDeadLettersWithTheReason_OneAbort_LaterRecordsHandled() =>
        RefusedRecordIsDeadLettered("orders", (sku, number, note) => new PlaceOrder(sku, number, note), deliveries: 1);

    [EmbeddedKafkaFact]
    public Task WithADelayedRetry_TheRetryIsRefusedToo_ThenDeadLettered_OneAbortPerDelivery() =>
        RefusedRecordIsDeadLettered("retried-orders", (sku, number, note) => new PlaceRetriedOrder(sku, number, note), deliveries: 2);

    private static async Task RefusedRecordIsDeadLettered(string channel, Func<string, int, string, object> order, int deliveries)
    {
        using var cluster = KafkaTestCluster.StartPrivateEmbedded(); // a pushed request error must reach only this test
        var orders = await cluster.CreateTopicAsync(1, purpose: "orders");
        var shipments = await cluster.CreateTopicAsync(1, purpose: "shipments");
        var largeShipments = await cluster.CreateTopicAsync(1, purpose: "largeshipments");
        var embedded = cluster.RequireEmbedded();
        var retry = $"{orders}.g-{orders}.retry";
        var deadLetter = $"{orders}.dead-letter";
        embedded.CreateTopic(retry, 1);
        embedded.CreateTopic(deadLetter, 1);
        foreach (var topic in new[] { orders, shipments, retry, deadLetter })
        {
            embedded.SetPartitionLeader(topic, 0, OtherBroker);
        }

        embedded.SetPartitionLeader(largeShipments, 0, RefusingBroker);
        var script = new Script(embedded);
        var logs = new CapturingLoggerProvider();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => (channel == "orders" ? c.AddHandler<Orders>() : c.AddHandler<RetriedOrders>()).AddHandler<Shipping>().AddHandler<LargeShipping>()
                .AddKafkaChannel(channel, orders, $"g-{orders}", o =>
                {
                    o.ExactlyOnce = true;
                    o.TransactionalId = $"tx-{orders}";
                })
                .AddKafkaChannel("shipments", shipments, $"g-{shipments}")
                .AddKafkaChannel("large-shipments", largeShipments, $"g-{largeShipments}"),
            s => s.AddSingleton(script).AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs)));
        var bus = services.GetRequiredService<ICommandBus>();
        await bus.SendAsync(order("before", 1, "small"));
        await bus.SendAsync(order("oversized", 2, new string('x', 200_000)));
        for (var i = 3; i <= 5; i++)
        {
            await bus.SendAsync(order("after", i, "small"));
        }

        // As the host does: a run that stops on an aborted transaction is started again, from the committed offsets.
        // Without the refusal remembered, every run would abort on the oversized record and the lag never reach 0.
        var lagReader = services.GetRequiredService<IKafkaLag>();
        var deadLetterList = services.GetRequiredService<IDeadLetters>();
        var runs = 0;
        long lag;
        IReadOnlyList<DeadLetter> deadLetters;
        do
        {
            runs++;
            try
            {
                await services.RunUntilEmpty(channel);
            }
            catch (ConveyorException)
            {
                // The consumer stopped after an abort; the next run resumes from the last committed offsets.
            }

            lag = (await lagReader.GetLagAsync(channel)).Where(p => p.Topic == orders).Sum(p => p.Lag);
            deadLetters = (await deadLetterList.ListAsync()).Items;
        }
        while ((lag > 0 || deadLetters.Count == 0) && runs < 2 * deliveries + 3);

        lag.ShouldBe(0, $"every order's offset committed within {runs} runs");
        logs.Entries.Count(e => e.EventId == 3153).ShouldBe(deliveries, "one abort per delivery: the replayed attempt does not send the refused record again");
        logs.Entries.Count(e => e.EventId == 3156).ShouldBe(deliveries, "each refusal is logged with its record (event 3156)");
        logs.Entries.ShouldContain(e => e.EventId == 3157 && e.Contains($"{orders} [0] @1"), "the replayed attempt of the oversized record is logged (event 3157)");

        deadLetters.Count.ShouldBe(1, "the oversized order, and only it, is dead-lettered");
        deadLetters[0].ExceptionMessage.ShouldContain(nameof(ErrorCode.MsgSizeTooLarge), Case.Sensitive, "the dead letter carries the broker's reason");
        deadLetters[0].ExceptionMessage.ShouldContain(largeShipments);

        KafkaTestData.ReadToEnd<Ignore>(cluster, largeShipments).ShouldBeEmpty("the broker refused every large shipment");
        var shipped = ReadAll(cluster, shipments);
        shipped.Count(s => s == "before").ShouldBeGreaterThanOrEqualTo(1);
        shipped.Count(s => s == "after").ShouldBeGreaterThanOrEqualTo(3, "the orders behind the refused one are handled");
        script.Calls.Count(c => c == "after").ShouldBeGreaterThanOrEqualTo(3);
    }

    // The embedded cluster shows aborted transactions' records to read_committed readers too (docs/embedded-kafka.md):
    // the records of the aborted transaction may appear twice here, hence the counts above are lower bounds.
    private static List<string> ReadAll(KafkaTestCluster cluster, string topic) =>
        KafkaTestData.ReadToEnd<string>(cluster, topic).ConvertAll(record => JsonSerializer.Deserialize<OrderShipped>(record.Message.Value, JsonSerializerOptions.Web)!.Sku);
}
