using System.Collections.Concurrent;
using System.Text;
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
        var deadLetter = (await services.GetRequiredService<IDeadLetters>().ListAsync()).ShouldHaveSingleItem();
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
        var first = (await deadLetters.ListAsync()).ShouldHaveSingleItem();

        await deadLetters.ReplayAsync(first.Id);

        var replayed = await Kcat.ReadRawHeadersAsync(cluster, $"{topic}.{group}.retry");
        replayed.AsSpan().IndexOf(Header("signature", NotUtf8)).ShouldBeGreaterThanOrEqualTo(0, "the replayed record carries the original header bytes");
        await services.RunUntilEmpty("parcels");
        shipped.Parcels.ShouldBeEmpty("the replayed message is the same message: its header is still unreadable");
        var again = (await deadLetters.ListAsync()).ShouldHaveSingleItem();
        again.Id.ShouldNotBe(first.Id);
        again.ExceptionMessage.ShouldContain("Header 'signature'");
    }
}
