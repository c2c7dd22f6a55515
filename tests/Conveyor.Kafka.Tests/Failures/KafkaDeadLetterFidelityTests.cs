using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Failures;

/// <summary>What a dead letter keeps of the record it copies, and what a replay writes back.</summary>
public sealed class KafkaDeadLetterFidelityTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    // No NUL byte: kcat takes the header from a process argument, a C string.
    private static readonly byte[] NotUtf8 = [0xC3, 0x28, 0xFF, 0x80, 0xFE];

    [Message("parcel.shipped")]
    public sealed record ParcelShipped(string ParcelId, int Weight);

    public sealed class Shipped
    {
        public ConcurrentQueue<string> Parcels { get; } = new();
    }

    public sealed class Tracking(Shipped shipped)
    {
        [Asynchronous("parcels")]
        [EventHandler(EndpointId = "tracking.shipped")]
        public void On(ParcelShipped e) => shipped.Parcels.Enqueue(e.ParcelId);
    }

    private async Task<(ServiceProvider Services, string Topic, string Group, Shipped Shipped)> StartAsync()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var shipped = new Shipped();
        var group = $"g-{topic}";
        var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Tracking>().AddKafkaChannel("parcels", topic, group), s => s.AddSingleton(shipped));
        return (services, topic, group, shipped);
    }

    private Task ProduceWithBinaryHeaderAsync(string topic) =>
        Kcat.ProduceWithRawHeadersAsync(
            cluster,
            topic,
            """{"parcelId":"p-1","weight":2}"""u8.ToArray(),
            [
                (MessageHeaderNames.TargetEndpoint, "tracking.shipped"u8.ToArray()),
                ("signature", NotUtf8),
                ("tenant", "acme"u8.ToArray()),
            ]);

    private static byte[] Header(string name, byte[] value) => [.. Encoding.UTF8.GetBytes(name + "="), .. value];

    [Fact]
    public async Task Bug_DeadLetterOfRecordWithNonUtf8Header_KeepsThatHeaderByteForByte()
    {
        var (services, topic, _, shipped) = await StartAsync();
        await using var _ = services;
        await ProduceWithBinaryHeaderAsync(topic);

        await services.RunUntilEmpty("parcels");

        shipped.Parcels.ShouldBeEmpty("a record with an unreadable header is dead-lettered, not handled");
        var deadLetter = (await services.GetRequiredService<IDeadLetters>().ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionMessage.ShouldContain("Header 'signature'");
        var headers = await Kcat.ReadRawHeadersAsync(cluster, $"{topic}.dead-letter");
        headers.AsSpan().IndexOf(Header("signature", NotUtf8)).ShouldBeGreaterThanOrEqualTo(0, "the dead-letter record carries the original header bytes");
        headers.AsSpan().IndexOf(Header("tenant", "acme"u8.ToArray())).ShouldBeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Bug_ReplayOfDeadLetterWithNonUtf8Header_RestoresTheHeader_AndIsDeadLetteredAgain()
    {
        var (services, topic, group, shipped) = await StartAsync();
        await using var _ = services;
        await ProduceWithBinaryHeaderAsync(topic);
        await services.RunUntilEmpty("parcels");
        var deadLetters = services.GetRequiredService<IDeadLetters>();
        var first = (await deadLetters.ListAsync()).Items.ShouldHaveSingleItem();

        await deadLetters.ReplayAsync(first.Id);

        var replayed = await Kcat.ReadRawHeadersAsync(cluster, $"{topic}.{group}.retry");
        replayed.AsSpan().IndexOf(Header("signature", NotUtf8)).ShouldBeGreaterThanOrEqualTo(0, "the replayed record carries the original header bytes");
        await services.RunUntilEmpty("parcels");
        shipped.Parcels.ShouldBeEmpty("the replayed message is the same message: its header is still unreadable");
        var again = (await deadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        again.Id.ShouldNotBe(first.Id);
        again.ExceptionMessage.ShouldContain("Header 'signature'");
    }

    public sealed class Attempts
    {
        public ConcurrentQueue<long> Offsets { get; } = new();
    }

    public sealed class PartnerSync(Attempts attempts)
    {
        [KafkaConsumer("partner.sync", "set-by-test")]
        public void On(byte[] body, [Header("kafka_offset")] long offset)
        {
            attempts.Offsets.Enqueue(offset);
            throw new InvalidOperationException("partner API down");
        }
    }

    [Fact]
    public async Task Bug_PoisonRecordLargerThanTheProducerMaxBytes_IsDeadLetteredTruncated_AndThePartitionMovesOn()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var attempts = new Attempts();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<PartnerSync>(),
            s => s.AddSingleton(attempts),
            kafka => kafka.Consumers["partner.sync"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });
        var big = new byte[1_500_000];
        Random.Shared.NextBytes(big);
        var config = cluster.ProducerConfig();
        config.MessageMaxBytes = 4_000_000; // written by a producer allowed more than Conveyor's (librdkafka's default 1,000,000)
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build())
        {
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = "big"u8.ToArray(), Value = big, Headers = new Headers { { "tenant", "acme"u8.ToArray() } } });
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = "small"u8.ToArray(), Value = "small"u8.ToArray() });
        }

        await services.RunUntil("partner.sync", () => attempts.Offsets.Contains(1), "the record behind the oversize one was handled");

        attempts.Offsets.Count(o => o == 0).ShouldBe(1, "the oversize record is not re-delivered once it is dead-lettered");
        var deadLetters = await Kcat.ConsumeAllAsync(cluster, $"{topic}.dead-letter");
        deadLetters.Count.ShouldBe(2);
        var truncated = deadLetters[0];
        truncated.Key.ShouldBe("big");
        truncated.Header("conveyor.dlq.truncated").ShouldBe("1500000");
        truncated.Header("tenant").ShouldBe("acme");
        truncated.Header("conveyor.original.topic").ShouldBe(topic);
        truncated.Header("conveyor.original.partition").ShouldBe("0");
        truncated.Header("conveyor.original.offset").ShouldBe("0");
        truncated.Header(MessageHeaderNames.ExceptionMessage).ShouldBe("partner API down");
        var excerpt = await Kcat.ReadValueAsync(cluster, $"{topic}.dead-letter", truncated.Partition, truncated.Offset);
        excerpt.Length.ShouldBeInRange(1, 64 * 1024);
        excerpt.ShouldBe(big[..excerpt.Length], "the excerpt is the start of the body");
        deadLetters[1].Header("conveyor.dlq.truncated").ShouldBeNull();
        deadLetters[1].Payload.ShouldBe("small");
    }
}
