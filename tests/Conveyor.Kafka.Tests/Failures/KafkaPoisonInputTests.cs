using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Failures;

public sealed class KafkaPoisonInputTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
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

    public sealed class ForeignConsumer(Shipped shipped)
    {
        [KafkaConsumer("foreign.parcels", "set-by-test")]
        public void On(ParcelShipped e) => shipped.Parcels.Enqueue(e.ParcelId);
    }

    [Fact]
    public async Task KafkaConsumer_RecordsAddressedToAnotherServicesEndpoint_StillHandledByTheConsumer()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var shipped = new Shipped();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<ForeignConsumer>(),
            s => s.AddSingleton(shipped),
            kafka => kafka.Consumers["foreign.parcels"] = new KafkaChannelOptions { Topic = topic });
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build())
        {
            await producer.ProduceAsync(topic, Record("""{"parcelId":"p-9","weight":1}""", H(MessageHeaderNames.TargetEndpoint, "other-service.endpoint")));
        }

        await services.RunUntilEmpty("foreign.parcels");

        shipped.Parcels.ShouldBe(["p-9"]);
    }

    private static Message<byte[]?, byte[]?> Record(string? value, params (string Name, byte[] Value)[] headers)
    {
        var kafkaHeaders = new Headers();
        foreach (var (name, bytes) in headers)
        {
            kafkaHeaders.Add(name, bytes);
        }

        return new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("k"), Value = value is null ? null : Encoding.UTF8.GetBytes(value), Headers = kafkaHeaders };
    }

    private static (string, byte[]) H(string name, string value) => (name, Encoding.UTF8.GetBytes(value));

    [Fact]
    public async Task PoisonRecords_EachDeadLetteredWithItsReason_AndTheConsumerGoesOn()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var shipped = new Shipped();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Tracking>().AddKafkaChannel("parcels", topic, $"g-{topic}"),
            s => s.AddSingleton(shipped));

        var poison = new (string Case, Message<byte[]?, byte[]?> Record, string Reason)[]
        {
            ("malformed json", Record("{oops", H(MessageHeaderNames.TargetEndpoint, "tracking.shipped")), "is not a valid ParcelShipped"),
            ("wrong shape", Record("""{"parcelId": 5, "weight": "heavy"}""", H(MessageHeaderNames.TargetEndpoint, "tracking.shipped")), "is not a valid ParcelShipped"),
            ("unknown name", Record("{}", H(MessageHeaderNames.MessageName, "parcel.exploded")), "'parcel.exploded'"),
            ("missing handler", Record("{}", H(MessageHeaderNames.TargetEndpoint, "tracking.removed")), "endpoint 'tracking.removed', which this service does not have"),
            ("no routing headers", Record("{}"), "neither"),
            ("null value", Record(null, H(MessageHeaderNames.TargetEndpoint, "tracking.shipped")), "null value (a tombstone)"),
            ("garbage header", Record("""{"parcelId":"x","weight":1}""", ("traceparent", [0xC3, 0x28, 0xFF]), H(MessageHeaderNames.TargetEndpoint, "tracking.shipped")), "Header 'traceparent'"),
            ("unknown content type", Record("{}", H(MessageHeaderNames.TargetEndpoint, "tracking.shipped"), H(MessageHeaderNames.ContentType, "application/avro")), "'application/avro'"),
        };

        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(cluster.ProducerConfig()).Build())
        {
            foreach (var (_, record, _) in poison)
            {
                await producer.ProduceAsync(topic, record);
            }

            await producer.ProduceAsync(topic, Record("""{"parcelId":"ok-1","weight":3}""", H(MessageHeaderNames.MessageName, "parcel.shipped")));
        }

        var result = await services.RunUntilEmpty("parcels");

        result.Finished.ShouldBe(poison.Length + 1);
        shipped.Parcels.ShouldBe(["ok-1"]);
        var deadLetters = (await services.GetRequiredService<IDeadLetters>().ListAsync()).Items;
        deadLetters.Count.ShouldBe(poison.Length);
        foreach (var (name, _, reason) in poison)
        {
            deadLetters.ShouldContain(d => d.ExceptionMessage.Contains(reason, StringComparison.Ordinal), $"the {name} record is dead-lettered with a reason containing \"{reason}\"");
        }

        (await services.GetRequiredService<IKafkaLag>().GetLagAsync("parcels")).Sum(p => p.Lag).ShouldBe(0);
    }
}
