using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Batching;

/// <summary>
/// A batch handler on a Kafka channel (<c>[Asynchronous]</c>), also an exactly-once one, and the start-up checks: a batch handler needs a channel
/// that delivers batches, a channel is consumed in batches or one by one, and the limits must make sense.
/// </summary>
public sealed class KafkaBatchChannelTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = "bulk-orders";

    [Message("order.placed")]
    public sealed record OrderPlaced(string OrderId);

    public sealed class Placed
    {
        public ConcurrentQueue<OrderPlaced[]> Batches { get; } = new();
    }

    public sealed class BulkProjection(Placed placed)
    {
        [Asynchronous(Channel)]
        [EventHandler(EndpointId = "orders.projection")]
        public void On(IReadOnlyList<OrderPlaced> orders) => placed.Batches.Enqueue([.. orders]);
    }

    public sealed class OneByOne
    {
        [Asynchronous(Channel)]
        [EventHandler(EndpointId = "orders.one-by-one")]
        public void On(OrderPlaced order) => _ = order;
    }

    public sealed class BulkWithHeader
    {
        [Asynchronous(Channel)]
        [EventHandler(EndpointId = "orders.with-header")]
        public void On(IReadOnlyList<OrderPlaced> orders, [Header("tenant")] string tenant) => _ = (orders, tenant);
    }

    public sealed class DeduplicatedBulk
    {
        [Deduplicated]
        [Asynchronous(Channel)]
        [EventHandler(EndpointId = "orders.deduplicated")]
        public void On(IReadOnlyList<OrderPlaced> orders) => _ = orders;
    }

    public sealed class NegativeBatch
    {
        [KafkaConsumer("orders.negative", "orders", MaxBatchSize = -5)]
        public void On(IReadOnlyList<OrderPlaced> orders) => _ = orders;
    }

    [Fact]
    public void BatchLimits_Precedence_ConsumerConfiguration_OverAttribute_OverGlobalConfiguration_OverDefaults()
    {
        var attribute = new KafkaConsumerAttribute("orders.sized", "orders") { MaxBatchSize = 300, MaxBatchWaitMilliseconds = 40 };
        Resolved(Configuration.KafkaConfigurationTests.Settings(), new KafkaConsumerAttribute("orders.sized", "orders"))
            .ShouldBe((100, TimeSpan.FromMilliseconds(100)), "the defaults");
        Resolved(Configuration.KafkaConfigurationTests.Settings(("Consuming:MaxBatchSize", "200"), ("Consuming:MaxBatchWait", "00:00:00.250")), new KafkaConsumerAttribute("orders.sized", "orders"))
            .ShouldBe((200, TimeSpan.FromMilliseconds(250)), "the global configuration");
        Resolved(Configuration.KafkaConfigurationTests.Settings(("Consuming:MaxBatchSize", "200")), attribute)
            .ShouldBe((300, TimeSpan.FromMilliseconds(40)), "the attribute before the global configuration");
        Resolved(Configuration.KafkaConfigurationTests.Settings(("Consumers:orders.sized:Consuming:MaxBatchSize", "500")), attribute)
            .ShouldBe((500, TimeSpan.FromMilliseconds(40)), "this consumer's configuration before the attribute");

        static (int?, TimeSpan?) Resolved(string json, KafkaConsumerAttribute attribute)
        {
            using var services = Configuration.KafkaConfigurationTests.Offline(json);
            var consuming = services.GetRequiredService<Conveyor.Kafka.Channels.KafkaChannelFactory>().ConsumerSettings(attribute, attribute.ConsumerEndpointId).Consuming;
            return (consuming.MaxBatchSize, consuming.MaxBatchWait);
        }
    }

    [Fact]
    public async Task BatchHandler_OnAKafkaChannel_GetsThePublishedEventsInBatches_InOrder()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var placed = new Placed();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<BulkProjection>().AddKafkaChannel(Channel, topic, $"g-{topic}", o => o.Consuming = new KafkaConsumerOptions { MaxBatchSize = 10, MaxBatchWait = TimeSpan.FromMinutes(5) }),
            s => s.AddSingleton(placed));
        await services.GetRequiredService<IEventBus>().PublishManyAsync(Enumerable.Range(0, 30).Select(i => new OrderPlaced($"o-{i}")).ToList());

        (await services.RunUntilEmpty(Channel)).Finished.ShouldBe(30);

        placed.Batches.Select(b => b.Length).ShouldBe([10, 10, 10]);
        placed.Batches.SelectMany(b => b).Select(o => o.OrderId).ShouldBe(Enumerable.Range(0, 30).Select(i => $"o-{i}"));
    }

    [Fact]
    public void BatchHandler_OnAChannelThatDeliversOneAtATime_FailsAtStartUp()
    {
        var database = Path.Combine(Path.GetTempPath(), $"batch-{Guid.NewGuid():N}.db");
        var error = Should.Throw<ConveyorConfigurationException>(() =>
            ConveyorOnKafka.Build(cluster, c => c.AddHandler<BulkProjection>().UseSqlite($"Data Source={database}").AddSqliteChannel(Channel), s => s.AddSingleton(new Placed())));

        error.Message.ShouldContain("orders.projection: takes a batch (IReadOnlyList<OrderPlaced>), but channel 'bulk-orders' delivers one message at a time (a database channel does");
        File.Delete(database);
    }

    [Fact]
    public async Task BatchHandler_OnAnExactlyOnceKafkaChannel_GetsItsBatches_OffsetsCommittedInTheTransactions()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var placed = new Placed();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<BulkProjection>().AddKafkaChannel(Channel, topic, $"g-{topic}", o =>
            {
                o.ExactlyOnce = true;
                o.TransactionalId = $"tx-{topic}";
                o.Consuming = new KafkaConsumerOptions { MaxBatchSize = 10, MaxBatchWait = TimeSpan.FromMinutes(5) };
            }),
            s => s.AddSingleton(placed));
        await services.GetRequiredService<IEventBus>().PublishManyAsync(Enumerable.Range(0, 20).Select(i => new OrderPlaced($"o-{i}")).ToList());

        (await services.RunUntilEmpty(Channel)).Finished.ShouldBe(20);

        placed.Batches.Select(b => b.Length).ShouldBe([10, 10]);
        Channels.KafkaConsumerAttributeTests.Committed(cluster, $"g-{topic}", topic, 1).ShouldBe(20);
    }

    [Fact]
    public void BatchAndOneByOneHandlers_OnOneChannel_FailAtStartUp()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() =>
            ConveyorOnKafka.Build(cluster, c => c.AddHandler<BulkProjection>().AddHandler<OneByOne>().AddKafkaChannel(Channel), s => s.AddSingleton(new Placed())));

        error.Message.ShouldContain("orders.projection takes batches from channel 'bulk-orders', and orders.one-by-one takes its messages one at a time.");
    }

    [Fact]
    public void BatchHandler_ReadingAHeader_OrDeduplicated_FailsAtStartUp()
    {
        Should.Throw<ConveyorConfigurationException>(() => ConveyorOnKafka.Build(cluster, c => c.AddHandler<BulkWithHeader>().AddKafkaChannel(Channel)))
            .Message.ShouldContain("a batch handler has no single message to read headers from. Take IReadOnlyList<Received<OrderPlaced>>");
        Should.Throw<ConveyorConfigurationException>(() => ConveyorOnKafka.Build(cluster, c => c.AddHandler<DeduplicatedBulk>().AddKafkaChannel(Channel)))
            .Message.ShouldContain("[Deduplicated] does not apply to a batch handler.");
    }

    [Fact]
    public void BatchLimits_ThatCannotWork_FailAtStartUp()
    {
        Should.Throw<ConveyorConfigurationException>(() => ConveyorOnKafka.Build(cluster, c => c.AddHandler<NegativeBatch>()))
            .Message.ShouldContain("orders.negative: [KafkaConsumer(MaxBatchSize = -5)] is negative.");
        Should.Throw<ConveyorConfigurationException>(() => ConveyorOnKafka.Build(
                cluster,
                c => c.AddHandler<BulkProjection>().AddKafkaChannel(Channel, configure: o => o.Consuming = new KafkaConsumerOptions { MaxBatchSize = 2000 }),
                s => s.AddSingleton(new Placed())))
            .Message.ShouldContain("AddKafkaChannel(\"bulk-orders\") options:Consuming:MaxBatchSize: 2000 is above MaxBufferedRecords (1000): a batch could never fill. Lower it, or raise MaxBufferedRecords.");
    }
}
