using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Kafka.Channels;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// <c>[KafkaConsumer]</c> on topics written by foreign producers (records without any Conveyor header): its consumer
/// group, and the failure attributes that combine with it.
/// </summary>
public sealed class KafkaConsumerAttributeTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public const string AttributeTopic = "attribute-topic-never-created";

    public sealed record Order(string OrderId, decimal Amount);

    public sealed class Received
    {
        public ConcurrentQueue<(Order Order, MessageHeaders Headers)> Orders { get; } = new();

        public int Calls;
    }

    public sealed class DefaultGroupConsumer(Received received)
    {
        [KafkaConsumer("orders.default-group", AttributeTopic)]
        public void Handle(Order order, MessageHeaders headers) => received.Orders.Enqueue((order, headers));
    }

    public sealed class NamedGroupConsumer(Received received)
    {
        [KafkaConsumer("orders.named-group", AttributeTopic, GroupId = "orders-named-group-from-attribute")]
        public void Handle(Order order, MessageHeaders headers) => received.Orders.Enqueue((order, headers));
    }

    public sealed class FlakyConsumer(Received received)
    {
        [InstantRetry(2)]
        [KafkaConsumer("orders.flaky", AttributeTopic)]
        public void Handle(Order order, MessageHeaders headers)
        {
            if (Interlocked.Increment(ref received.Calls) <= 2)
            {
                throw new TimeoutException("the warehouse did not answer");
            }

            received.Orders.Enqueue((order, headers));
        }
    }

    public sealed class DeduplicatedConsumer(Received received)
    {
        [Deduplicated("payload.OrderId")]
        [KafkaConsumer("orders.deduplicated", AttributeTopic)]
        public void Handle(Order order, MessageHeaders headers) => received.Orders.Enqueue((order, headers));
    }

    public sealed class DeduplicatedByForeignIdConsumer(Received received)
    {
        [Deduplicated]
        [KafkaConsumer("orders.by-foreign-id", AttributeTopic)]
        public void Handle(Order order, MessageHeaders headers) => received.Orders.Enqueue((order, headers));
    }

    [Fact]
    public void Deduplicated_WithoutAKey_OnAForeignTopic_FailsAtStartUpAskingForOne()
    {
        var error = Should.Throw<ConveyorConfigurationException>(() => ConveyorOnKafka.Build(cluster, c => c.AddHandler<DeduplicatedByForeignIdConsumer>()));

        error.Message.ShouldContain("orders.by-foreign-id: [Deduplicated] on a consumer of a foreign topic must name its key");
    }

    [Fact]
    public async Task GroupId_DefaultsToTheEndpointId_OffsetsAreCommittedForThatGroup()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await Kcat.ProduceKeyedLinesAsync(cluster, topic, Orders(6));
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<DefaultGroupConsumer>(),
            s => s.AddSingleton(received),
            o => o.Consumers["orders.default-group"] = new KafkaChannelOptions { Topic = topic });

        var result = await services.RunUntilEmpty("orders.default-group");

        result.Finished.ShouldBe(6);
        received.Orders.Select(o => o.Order.OrderId).Order().ShouldBe(Enumerable.Range(0, 6).Select(i => $"o-{i}"));
        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("orders.default-group");
        lag.ShouldAllBe(p => p.GroupId == "orders.default-group");
        lag.Where(p => p.Topic == topic).Sum(p => p.Committed ?? 0).ShouldBe(6);
        Committed(cluster, "orders.default-group", topic, 3).ShouldBe(6, "the broker holds the commits under the endpoint id");
    }

    [Fact]
    public async Task GroupId_OnTheAttribute_OverridesTheEndpointId_NothingIsCommittedUnderTheEndpointId()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await Kcat.ProduceKeyedLinesAsync(cluster, topic, Orders(4));
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<NamedGroupConsumer>(),
            s => s.AddSingleton(received),
            o => o.Consumers["orders.named-group"] = new KafkaChannelOptions { Topic = topic });

        var result = await services.RunUntilEmpty("orders.named-group");

        result.Finished.ShouldBe(4);
        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("orders.named-group");
        lag.ShouldAllBe(p => p.GroupId == "orders-named-group-from-attribute");
        lag.Where(p => p.Topic == topic).Sum(p => p.Lag).ShouldBe(0);
        Committed(cluster, "orders-named-group-from-attribute", topic, 3).ShouldBe(4);
        Committed(cluster, "orders.named-group", topic, 3).ShouldBe(0, "the endpoint id is not the group when GroupId is set");
    }

    [Fact]
    public async Task GroupId_ConfiguredPerConsumer_OverridesTheAttribute()
    {
        var topic = await cluster.CreateTopicAsync(1);
        await Kcat.ProduceKeyedLinesAsync(cluster, topic, Orders(2));
        var group = $"configured-{topic}";
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<NamedGroupConsumer>(),
            s => s.AddSingleton(new Received()),
            o => o.Consumers["orders.named-group"] = new KafkaChannelOptions { Topic = topic, GroupId = group });

        (await services.RunUntilEmpty("orders.named-group")).Finished.ShouldBe(2);

        Committed(cluster, group, topic, 1).ShouldBe(2);
    }

    [Fact]
    public async Task InstantRetry_OnARecordWithoutConveyorHeaders_RetriesInProcess_ThenCommits()
    {
        var topic = await cluster.CreateTopicAsync(1);
        await Kcat.ProduceKeyedLinesAsync(cluster, topic, Orders(1));
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<FlakyConsumer>(),
            s => s.AddSingleton(received),
            o => o.Consumers["orders.flaky"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });

        var result = await services.RunUntilEmpty("orders.flaky");

        received.Calls.ShouldBe(3, "one call and two instant retries");
        result.Failed.ShouldBe(0);
        received.Orders.Single().Order.ShouldBe(new Order("o-0", 0m));
        received.Orders.Single().Headers.MessageId.ShouldBeNull("the record came from kcat, not from Conveyor");
        Committed(cluster, $"g-{topic}", topic, 1).ShouldBe(1);
        (await Kcat.ConsumeAllAsync(cluster, $"{topic}.dead-letter")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Deduplicated_ByAPayloadProperty_OnRecordsWithoutMessageIds_HandlesEachOrderOnce()
    {
        var topic = await cluster.CreateTopicAsync(1);
        await Kcat.ProduceKeyedLinesAsync(cluster, topic,
        [
            """k:{"orderId":"o-1","amount":1}""",
            """k:{"orderId":"o-2","amount":2}""",
            """k:{"orderId":"o-1","amount":1}""",
            """k:{"orderId":"o-3","amount":3}""",
            """k:{"orderId":"o-2","amount":2}""",
        ]);
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<DeduplicatedConsumer>(),
            s => s.AddSingleton(received),
            o => o.Consumers["orders.deduplicated"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });

        var result = await services.RunUntilEmpty("orders.deduplicated");

        result.Finished.ShouldBe(5, "duplicates are finished (skipped and committed), not left behind");
        result.Duplicates.ShouldBe(2, "skipped duplicates are counted");
        received.Orders.Select(o => o.Order.OrderId).ShouldBe(["o-1", "o-2", "o-3"]);
        received.Orders.Select(o => long.Parse(o.Headers.Get("kafka_offset")!, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe([0L, 1L, 3L]);
        Committed(cluster, $"g-{topic}", topic, 1).ShouldBe(5);
    }

    [Fact]
    public async Task WithoutConfiguration_TheAttributesTopicsAndTheEndpointIdAreUsed()
    {
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<DefaultGroupConsumer>(), s => s.AddSingleton(new Received()));

        var channel = (KafkaChannel)services.GetRequiredService<ConveyorRuntime>().Channels["orders.default-group"];

        channel.Settings.Topics.ShouldBe([AttributeTopic]);
        channel.Settings.GroupId.ShouldBe("orders.default-group");
        channel.Settings.Consumer.GroupId.ShouldBe("orders.default-group");
        channel.Settings.RetryTopic.ShouldBe("orders.default-group.orders.default-group.retry");
        channel.Settings.DeadLetterTopic.ShouldBe($"{AttributeTopic}.dead-letter");
    }

    [Fact]
    public async Task Bug_ConfiguredTopicOfAKafkaConsumerWasIgnored()
    {
        var topic = await cluster.CreateTopicAsync(1);
        await Kcat.ProduceKeyedLinesAsync(cluster, topic, Orders(1));
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<DeduplicatedConsumer>(),
            s => s.AddSingleton(received),
            o => o.Consumers["orders.deduplicated"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });

        var channel = (KafkaChannel)services.GetRequiredService<ConveyorRuntime>().Channels["orders.deduplicated"];
        channel.Settings.Topics.ShouldBe([topic], "Conveyor:Kafka:Consumers:<endpoint>:Topic replaces the attribute's topics");
        channel.Settings.DeadLetterTopic.ShouldBe($"{topic}.dead-letter");

        (await services.RunUntilEmpty("orders.deduplicated")).Finished.ShouldBe(1);
        received.Orders.Single().Headers.Get("kafka_topic").ShouldBe(topic);
    }

    private static IEnumerable<string> Orders(int count) =>
        Enumerable.Range(0, count).Select(i => $$"""key-{{i}}:{"orderId":"o-{{i}}","amount":{{i}}}""");

    /// <summary>The offsets a group committed on a topic, summed over its partitions, read by a client of our own.</summary>
    internal static long Committed(KafkaTestCluster cluster, string group, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(cluster.ConsumerConfig(group)).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.Where(o => !o.Offset.IsSpecial).Sum(o => o.Offset.Value);
    }
}
