using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// Partition keys: the <c>partitionKey</c> header becomes the Kafka key (same key, same partition, in order); without
/// it the message id is the key; and a consumed record keeps its key when Conveyor writes it again — re-appended
/// by <c>Resend</c>, scheduled to the retry topic, or dead-lettered. Keys are read back with kcat or a raw consumer.
/// </summary>
public sealed class PartitionKeyTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record CartUpdated(string CartId, int Version);

    public sealed class Received
    {
        public ConcurrentQueue<(CartUpdated Cart, MessageHeaders Headers)> Carts { get; } = new();

        public ConcurrentQueue<MessageHeaders> Foreign { get; } = new();

        public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);

        public int AttemptOf(string id) => Attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
    }

    public sealed class Carts(Received received)
    {
        [Asynchronous("carts")]
        [EventHandler(EndpointId = "carts.project")]
        public void Project(CartUpdated cart, MessageHeaders headers) => received.Carts.Enqueue((cart, headers));
    }

    /// <summary>Fails the first delivery of every message.</summary>
    public sealed class FlakyCarts(Received received)
    {
        [Asynchronous("carts")]
        [EventHandler(EndpointId = "carts.flaky")]
        public void Project(CartUpdated cart, MessageHeaders headers)
        {
            if (received.AttemptOf(headers.MessageId!) == 1)
            {
                throw new InvalidOperationException("the projection store is down");
            }

            received.Carts.Enqueue((cart, headers));
        }
    }

    /// <summary>Foreign records: fails the first delivery of each payload, then succeeds on the retry topic.</summary>
    public sealed class RetriedPayments(Received received)
    {
        [DelayedRetry(1, InitialDelayMs = 50)]
        [KafkaConsumer("payments.retried", "configured-per-test")]
        public void Handle(string payment, MessageHeaders headers)
        {
            if (received.AttemptOf(payment) == 1)
            {
                throw new InvalidOperationException("the ledger is locked");
            }

            received.Foreign.Enqueue(headers);
        }
    }

    /// <summary>Foreign records: fails the first delivery of each payload; the final strategy re-appends it.</summary>
    [FinalFailure(FinalFailureStrategy.Resend)]
    public sealed class ResentPayments(Received received)
    {
        [KafkaConsumer("payments.resent", "configured-per-test")]
        public void Handle(string payment, MessageHeaders headers)
        {
            if (received.AttemptOf(payment) == 1)
            {
                throw new InvalidOperationException("the ledger is locked");
            }

            received.Foreign.Enqueue(headers);
        }
    }

    /// <summary>Foreign records that can never be handled.</summary>
    public sealed class PoisonPayments(Received received)
    {
        [KafkaConsumer("payments.poison", "configured-per-test")]
        public void Handle(string payment)
        {
            received.AttemptOf(payment);
            throw new InvalidOperationException("the payment is malformed");
        }
    }

    [Fact]
    public async Task PartitionKeyHeader_IsTheKafkaKey_EveryMessageOfAKeyLandsOnOnePartition_AndIsHandledInOrder()
    {
        var topic = await cluster.CreateTopicAsync(6);
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Carts>().AddKafkaChannel("carts", topic, groupId: $"g-{topic}"), s => s.AddSingleton(received));
        var bus = services.GetRequiredService<IEventBus>();
        string[] carts = ["cart-7", "cart-8", "cart-9", "cart-10"];

        for (var version = 0; version < 10; version++)
        {
            foreach (var cart in carts)
            {
                await bus.PublishAsync(new CartUpdated(cart, version), Keyed(cart));
            }
        }

        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Count.ShouldBe(40);
        foreach (var cart in carts)
        {
            var ofCart = records.Where(r => r.Key == cart).ToList();
            ofCart.Count.ShouldBe(10);
            ofCart.Select(r => r.Partition).Distinct().ShouldHaveSingleItem().ShouldBe(JavaPartitioner.Partition(cart, 6));
        }

        await services.RunUntil("carts", () => received.Carts.Count == 40);
        foreach (var cart in carts)
        {
            var handled = received.Carts.Where(c => c.Cart.CartId == cart).ToList();
            handled.Select(c => c.Cart.Version).ShouldBe(Enumerable.Range(0, 10), $"{cart} is handled in the order it was sent");
            handled.ShouldAllBe(c => c.Headers.Get("kafka_key") == cart && c.Headers.Get(MessageHeaderNames.PartitionKey) == cart);
        }
    }

    [Fact]
    public async Task WithoutAPartitionKey_TheMessageIdIsTheKey_SoMessagesSpreadOverThePartitions()
    {
        var topic = await cluster.CreateTopicAsync(6);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Carts>().AddKafkaChannel("carts", topic, groupId: $"g-{topic}"), s => s.AddSingleton(new Received()));
        var bus = services.GetRequiredService<IEventBus>();

        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => bus.PublishAsync(new CartUpdated("cart-1", i)).AsTask()));

        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Count.ShouldBe(60);
        records.ShouldAllBe(r => r.Key != null && r.Key == r.Header(MessageHeaderNames.MessageId));
        records.Select(r => r.Key).ShouldBeUnique();
        records.Select(r => r.Partition).Distinct().Count().ShouldBeGreaterThanOrEqualTo(4, "60 random ids over 6 partitions");
        records.ShouldAllBe(r => r.Partition == JavaPartitioner.Partition(r.Key!, 6));
    }

    [Fact]
    public async Task Resend_OnAChannel_ReappendsTheRecordWithItsKey_OnItsPartition()
    {
        var topic = await cluster.CreateTopicAsync(6);
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<FlakyCarts>()
                .AddKafkaChannel("carts", topic, groupId: $"g-{topic}", o => o.FinalFailureStrategy = FinalFailureStrategy.Resend)
                .Configure(o => o.DeadLetterEnabled = false),
            s => s.AddSingleton(received));
        var bus = services.GetRequiredService<IEventBus>();
        await bus.PublishAsync(new CartUpdated("cart-1", 1), Keyed("cart-1"));
        await bus.PublishAsync(new CartUpdated("cart-2", 1));

        await services.RunUntil("carts", () => received.Carts.Count == 2);

        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Count.ShouldBe(4, "two originals and their two re-appended copies");
        foreach (var copies in records.GroupBy(r => r.Header(MessageHeaderNames.MessageId)))
        {
            var (original, resent) = (copies.MinBy(r => r.Offset)!, copies.MaxBy(r => r.Offset)!);
            copies.Count().ShouldBe(2);
            resent.Key.ShouldBe(original.Key);
            resent.Partition.ShouldBe(original.Partition);
            resent.Offset.ShouldBeGreaterThan(original.Offset);
        }

        records.Where(r => r.Key == "cart-1").Count().ShouldBe(2);
        var unkeyed = records.Where(r => r.Key != "cart-1").ToList();
        unkeyed.ShouldAllBe(r => r.Key == r.Header(MessageHeaderNames.MessageId), "the id stays the key of a message sent without one");
    }

    [Fact]
    public async Task DelayedRetry_OfAForeignRecord_GoesToTheRetryTopicWithTheRecordsKey()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await Kcat.ProduceAsync(cluster, topic, "payment-1"u8.ToArray(), key: "acct-9");
        var received = new Received();
        var group = $"g-{topic}";
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<RetriedPayments>(),
            s => s.AddSingleton(received),
            o => o.Consumers["payments.retried"] = new KafkaChannelOptions { Topic = topic, GroupId = group });

        await services.RunUntil("payments.retried", () => !received.Foreign.IsEmpty);

        var retried = (await Kcat.ConsumeAllAsync(cluster, $"payments.retried.{group}.retry")).ShouldHaveSingleItem();
        retried.Key.ShouldBe("acct-9");
        retried.Payload.ShouldBe("payment-1");
        received.Foreign.Single().Get("kafka_key").ShouldBe("acct-9", "the handler sees the original key on the retry");
    }

    [Fact]
    public async Task Resend_OfAForeignRecord_GoesToTheGroupsRetryTopic_NotTheForeignTopic_WithTheRecordsKey()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await Kcat.ProduceAsync(cluster, topic, "payment-2"u8.ToArray(), key: "acct-10");
        var received = new Received();
        var group = $"g-{topic}";
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<ResentPayments>().Configure(o => o.DeadLetterEnabled = false),
            s => s.AddSingleton(received),
            o => o.Consumers["payments.resent"] = new KafkaChannelOptions { Topic = topic, GroupId = group });

        await services.RunUntil("payments.resent", () => !received.Foreign.IsEmpty);

        (await Kcat.ConsumeAllAsync(cluster, topic)).ShouldHaveSingleItem("Conveyor never writes to a topic it only reads");
        var resent = (await Kcat.ConsumeAllAsync(cluster, $"payments.resent.{group}.retry")).ShouldHaveSingleItem();
        resent.Key.ShouldBe("acct-10");
        resent.Payload.ShouldBe("payment-2");
    }

    [Fact]
    public async Task DeadLetter_OfAForeignRecord_KeepsItsKey_AndNamesWhereItCameFrom()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await Kcat.ProduceAsync(cluster, topic, "payment-3"u8.ToArray(), key: "acct-11", partition: 2);
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<PoisonPayments>(),
            s => s.AddSingleton(received),
            o => o.Consumers["payments.poison"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });

        var result = await services.RunUntilEmpty("payments.poison");

        result.Failed.ShouldBe(1);
        var dead = (await Kcat.ConsumeAllAsync(cluster, $"{topic}.dead-letter")).ShouldHaveSingleItem();
        dead.Key.ShouldBe("acct-11");
        dead.Payload.ShouldBe("payment-3");
        dead.Header("conveyor.original.topic").ShouldBe(topic);
        dead.Header("conveyor.original.partition").ShouldBe("2");
        dead.Header("conveyor.original.offset").ShouldBe("0");
        dead.Header(MessageHeaderNames.ExceptionMessage).ShouldBe("the payment is malformed");
    }

    [Fact]
    public async Task Bug_ABinaryKeyWasRewrittenAsBase64Text_WhenRetriedOrDeadLettered()
    {
        var topic = await cluster.CreateTopicAsync(3);
        byte[] key = [0x00, 0xC3, 0x28, 0xFF, 0x7F, 0x80]; // not UTF-8, like a Java LongSerializer or Avro key
        using (var producer = new ProducerBuilder<byte[], byte[]>(cluster.ProducerConfig()).Build())
        {
            await producer.ProduceAsync(topic, new Message<byte[], byte[]> { Key = key, Value = "payment-4"u8.ToArray() });
            await producer.ProduceAsync(topic, new Message<byte[], byte[]> { Key = key, Value = "payment-5"u8.ToArray() });
        }

        var received = new Received();
        var group = $"g-{topic}";
        await using var retrying = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<RetriedPayments>(),
            s => s.AddSingleton(received),
            o => o.Consumers["payments.retried"] = new KafkaChannelOptions { Topic = topic, GroupId = group });
        await retrying.RunUntil("payments.retried", () => received.Foreign.Count == 2);
        await using var poisoned = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<PoisonPayments>(),
            s => s.AddSingleton(received),
            o => o.Consumers["payments.poison"] = new KafkaChannelOptions { Topic = topic, GroupId = group + "-poison" });
        await poisoned.RunUntilEmpty("payments.poison");

        var retried = ReadAll($"payments.retried.{group}.retry");
        var dead = ReadAll($"{topic}.dead-letter");

        received.Foreign.ShouldAllBe(h => h.Get("kafka_key") == Convert.ToBase64String(key) && h.Get("kafka_key_encoding") == "base64");
        retried.Count.ShouldBe(2);
        dead.Count.ShouldBe(2);
        foreach (var record in retried.Concat(dead))
        {
            record.Message.Key.ShouldBe(key, $"the key of {record.TopicPartitionOffset}");
            record.Partition.Value.ShouldBe(JavaPartitioner.Partition(key, 3), "Conveyor hashes the key's bytes, not a text form of them");
        }
    }

    private List<ConsumeResult<byte[], byte[]>> ReadAll(string topic)
    {
        var config = cluster.ConsumerConfig($"reader-{Guid.NewGuid():N}");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)).ToList();
        consumer.Assign(partitions);
        var records = new List<ConsumeResult<byte[], byte[]>>();
        var open = partitions.Count;
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout;
        while (open > 0)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"reading {topic} to its end");
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is not { } record)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                open--;
            }
            else
            {
                records.Add(record);
            }
        }

        return records;
    }

    private static Dictionary<string, string> Keyed(string key) => new() { [MessageHeaderNames.PartitionKey] = key };
}
