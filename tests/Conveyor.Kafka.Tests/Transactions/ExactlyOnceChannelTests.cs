using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Channels;
using Conveyor.Kafka.Configuration;
using Conveyor.Kafka.Tests.Configuration;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Transactions;

/// <summary>
/// Exactly-once Kafka channels end to end: a handler's sends to another Kafka channel, delayed retries and dead letters
/// are written in the consumer's transactions, with the offsets; settings that cannot hold it fail at start-up.
/// </summary>
public sealed class ExactlyOnceChannelTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record PlaceOrder(string Sku, int Number);

    public sealed record OrderShipped(string Sku, int Number);

    public sealed class Script
    {
        public ConcurrentQueue<(string Sku, int Attempt)> Calls { get; } = new();

        public ConcurrentDictionary<string, int> FailuresLeft { get; } = new();
    }

    public sealed class Orders(ICommandBus bus, Script script)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        [DelayedRetry(1, InitialDelayMs = 200)]
        public async Task Handle(PlaceOrder order, MessageHeaders headers)
        {
            script.Calls.Enqueue((order.Sku, headers.DeliveryAttempt));

            // Sent before the failure: a failed attempt's sends are never written (they wait until the handler succeeded).
            await bus.SendAsync(new OrderShipped(order.Sku, order.Number), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = order.Sku });
            if (script.FailuresLeft.TryGetValue(order.Sku, out var left) && left > 0)
            {
                script.FailuresLeft[order.Sku] = left - 1;
                throw new InvalidOperationException($"warehouse refused {order.Sku}");
            }
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

    [Fact]
    public async Task HandlerSendsToAnotherKafkaChannel_WrittenInTransactionsWithTheOffsets_EachOnce()
    {
        var (services, orders, shipments) = await StartAsync(new Script());
        await using var _ = services;
        var bus = services.GetRequiredService<ICommandBus>();
        for (var i = 0; i < 12; i++)
        {
            await bus.SendAsync(new PlaceOrder($"sku-{i % 4}", i), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = $"sku-{i % 4}" });
        }

        await services.RunUntilEmpty("orders");

        var shipped = ReadAll(shipments);
        string.Join(", ", shipped.Select(r => r.Value).Order()).ShouldBe(string.Join(", ", Enumerable.Range(0, 12).Select(i => $"sku-{i % 4}/{i}").Order()), "one shipment per order");
        HasTransactionMarkers(shipments).ShouldBeTrue("the shipments were written by a transactional producer: its commit markers take offsets");
        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("orders");
        lag.Where(p => p.Topic == orders).Sum(p => p.Lag).ShouldBe(0, "the offsets committed with the transactions");
    }

    [Fact]
    public async Task FailurePaths_DelayedRetryAndDeadLetter_WrittenInTheTransaction_OffsetsCommitted_NoSendOfAFailedAttempt()
    {
        var script = new Script();
        script.FailuresLeft["retried"] = 1;
        script.FailuresLeft["poison"] = int.MaxValue;
        var (services, orders, shipments) = await StartAsync(script);
        await using var _ = services;
        var bus = services.GetRequiredService<ICommandBus>();
        foreach (var (sku, number) in new[] { ("retried", 1), ("poison", 2), ("fine", 3) })
        {
            await bus.SendAsync(new PlaceOrder(sku, number), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = sku });
        }

        await services.RunUntil("orders", () => script.Calls.Count(c => c.Sku == "retried") == 2 && script.Calls.Count(c => c.Sku == "poison") == 2, "the retry and the dead letter");
        await services.RunUntilEmpty("orders");

        string.Join(", ", ReadAll(shipments).Select(r => r.Value).Order()).ShouldBe("fine/3, retried/1", "sends of failed attempts are never written; the retried one once");
        var deadLetters = (await services.GetRequiredService<IDeadLetters>().ListAsync()).Items;
        deadLetters.Count.ShouldBe(1);
        deadLetters[0].ExceptionMessage.ShouldContain("warehouse refused poison");
        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("orders");
        lag.Where(p => p.Topic == orders).Sum(p => p.Lag).ShouldBe(0, "the orders' offsets committed with the retry and the dead letter");
        var retryTopic = lag.Where(p => p.Topic != orders).ToList();
        retryTopic.Sum(p => p.HighWatermark).ShouldBeGreaterThan(0, "the retries went through the retry topic");
        foreach (var partition in retryTopic)
        {
            // The retry records were written in transactions: a commit marker follows the last of them, which the
            // high watermark counts and no record's offset commits past.
            (partition.Committed ?? 0).ShouldBe(LastRecordEnd(partition.Topic, partition.Partition), $"retry partition {partition.Partition} committed past its last record");
        }
    }

    [Theory]
    [InlineData("KeyParallel", "PartitionSequential")]
    [InlineData("Blocking", "RetryTopic")]
    public void ExactlyOnce_WithSettingsThatCannotHoldIt_FailsAtStartUpSayingWhatToUse(string setting, string fix)
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Shipping>().AddKafkaChannel("shipments", "eos-config", "eos-config", o =>
            {
                o.ExactlyOnce = true;
                if (setting == "KeyParallel")
                {
                    o.Consuming = new KafkaConsumerOptions { Ordering = KafkaOrderingMode.KeyParallel };
                }
                else
                {
                    o.RetryMode = KafkaRetryMode.Blocking;
                }
            })));

        error.Message.ShouldContain("exactly-once");
        error.Message.ShouldContain(setting);
        error.Message.ShouldContain(fix);
    }

    [Fact]
    public void ExactlyOnce_FromTheAttributeOrConfiguration_ReadsCommittedAndNamesItsTransactionalIds()
    {
        using var services = KafkaConfigurationTests.Offline(KafkaConfigurationTests.Settings(
            ("Channels:payments:ExactlyOnce", "true"),
            ("Channels:payments:TransactionalId", "payments-eu-1"),
            ("Channels:audit:ReadCommitted", "true")));
        var factory = services.GetRequiredService<KafkaChannelFactory>();

        var payments = factory.ChannelSettings("payments", new KafkaChannelOptions());
        payments.ExactlyOnce.ShouldBeTrue();
        payments.TransactionalIdPrefix.ShouldBe("payments-eu-1");
        payments.Consumer.IsolationLevel.ShouldBe(IsolationLevel.ReadCommitted);

        var shipping = factory.ConsumerSettings(new KafkaConsumerAttribute("shipping", "orders") { ExactlyOnce = true }, "shipping");
        shipping.ExactlyOnce.ShouldBeTrue();
        shipping.TransactionalIdPrefix.ShouldBe($"shipping.shipping.{Environment.MachineName}");
        shipping.Consumer.IsolationLevel.ShouldBe(IsolationLevel.ReadCommitted);

        var audit = factory.ChannelSettings("audit", new KafkaChannelOptions());
        audit.ExactlyOnce.ShouldBeFalse();
        audit.Consumer.IsolationLevel.ShouldBe(IsolationLevel.ReadCommitted);
        factory.ChannelSettings("plain", new KafkaChannelOptions()).Consumer.IsolationLevel.ShouldBeNull("left to librdkafka's default");
    }

    private async Task<(ServiceProvider Services, string Orders, string Shipments)> StartAsync(Script script)
    {
        var orders = await cluster.CreateTopicAsync(3, purpose: "orders");
        var shipments = await cluster.CreateTopicAsync(1, purpose: "shipments");
        var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Orders>().AddHandler<Shipping>()
                .AddKafkaChannel("orders", orders, $"g-{orders}", o =>
                {
                    o.ExactlyOnce = true;
                    o.TransactionalId = $"tx-{orders}";
                })
                .AddKafkaChannel("shipments", shipments, $"g-{shipments}"),
            s => s.AddSingleton(script));
        return (services, orders, shipments);
    }

    private List<(long Offset, string Value)> ReadAll(string topic) =>
        KafkaTestData.ReadToEnd<string>(cluster, topic).ConvertAll(record =>
        {
            var shipped = JsonSerializer.Deserialize<OrderShipped>(record.Message.Value, JsonSerializerOptions.Web)!;
            return (record.Offset.Value, $"{shipped.Sku}/{shipped.Number}");
        });

    /// <summary>The offset after the last record of a partition (0 when it has none): what a drained group commits.</summary>
    private long LastRecordEnd(string topic, int partition) =>
        KafkaTestData.ReadToEnd<Ignore>(cluster, topic, partition) is [.., var last] ? last.Offset.Value + 1 : 0;

    // A transactional producer's commit marker takes an offset that no record has: the records' offsets and the end
    // offset leave gaps.
    private bool HasTransactionMarkers(string topic)
    {
        var offsets = ReadAll(topic).ConvertAll(r => r.Offset);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(cluster.ConsumerConfig("w-" + Guid.NewGuid().ToString("N"))).Build();
        var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).High.Value;
        return end > offsets.Count;
    }
}
