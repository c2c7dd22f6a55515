using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Outgoing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Publishing;

/// <summary>
/// <see cref="IEventBus.PublishManyAsync"/> and <see cref="ICommandBus.SendManyAsync"/> on a Kafka channel: the batch
/// completes only when every record is in the log, each message passes the outgoing middleware, records of one key
/// keep the batch's order, and a message that was not written is reported by its index while the rest of the batch
/// is written. Read back with kcat.
/// </summary>
public sealed class BatchPublishingTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record CartUpdated(string CartId, int Version, string Note = "");

    public sealed record ShipCart(string CartId);

    public sealed class Nobody
    {
        [Asynchronous("carts")]
        [EventHandler(EndpointId = "carts.project")]
        public void Project(CartUpdated cart)
        {
        }

        [Asynchronous("carts")]
        [CommandHandler(EndpointId = "carts.ship")]
        public void Ship(ShipCart command)
        {
        }
    }

    /// <summary>Records every message the outgoing path sees.</summary>
    public sealed class Recorder : IOutgoingMiddleware
    {
        public ConcurrentQueue<string> Seen { get; } = new();

        public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
        {
            Seen.Enqueue(message.Message.MessageId!);
            return next(message, cancellationToken);
        }
    }

    [Fact]
    public async Task PublishManyAsync_CompletesWhenEveryRecordIsInTheLog_EachThroughTheMiddleware_AndEachKeyKeepsTheBatchOrder()
    {
        var topic = await cluster.CreateTopicAsync(6);
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Nobody>().AddOutgoingMiddleware<Recorder>().AddKafkaChannel("carts", topic, groupId: $"g-{topic}"));
        var bus = services.GetRequiredService<IEventBus>();
        string[] carts = ["cart-1", "cart-2", "cart-3", "cart-4", "cart-5"];
        var batch = Enumerable.Range(0, 400).SelectMany(version => carts.Select(cart => new CartUpdated(cart, version))).ToList();

        await bus.PublishManyAsync(batch, e => Keyed(e.CartId));

        services.GetServices<IOutgoingMiddleware>().OfType<Recorder>().ShouldHaveSingleItem().Seen.Count.ShouldBe(batch.Count);
        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Count.ShouldBe(batch.Count, "the batch completed, so every record is acknowledged and in the log");
        foreach (var cart in carts)
        {
            var ofCart = records.Where(r => r.Key == cart).ToList();
            ofCart.Select(r => r.Partition).Distinct().ShouldHaveSingleItem($"every record of {cart} on one partition");
            ofCart.Select(r => Payload(r).Version).ShouldBe(Enumerable.Range(0, 400), $"{cart}'s records in the batch's order");
        }
    }

    [Fact]
    public async Task SendManyAsync_ACommandWithoutAHandler_FailsTheCallBeforeAnythingIsSent()
    {
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Nobody>().AddKafkaChannel("carts", topic, groupId: $"g-{topic}"));
        var bus = services.GetRequiredService<ICommandBus>();

        var error = await Should.ThrowAsync<MessageRoutingException>(() => bus.SendManyAsync<object>([new ShipCart("cart-1"), "not a command"]).AsTask());

        error.Message.ShouldContain("String");
        (await Kcat.ConsumeAllAsync(cluster, topic)).ShouldBeEmpty();
        await bus.SendManyAsync([new ShipCart("cart-1"), new ShipCart("cart-2")]);
        (await Kcat.ConsumeAllAsync(cluster, topic)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task PublishManyAsync_ARecordTheProducerRefuses_IsReportedByItsIndex_AndTheRestOfTheBatchIsWritten()
    {
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Nobody>().AddKafkaChannel("carts", topic, groupId: $"g-{topic}"));
        var bus = services.GetRequiredService<IEventBus>();

        // Larger than the producer's message.max.bytes (1,000,000): refused before it is sent.
        var batch = Enumerable.Range(0, 10).Select(i => new CartUpdated("cart-1", i, i == 4 ? new string('x', 1_100_000) : "")).ToList();
        var error = await Should.ThrowAsync<MessageBatchException>(() => bus.PublishManyAsync(batch).AsTask());

        error.Count.ShouldBe(10);
        var failure = error.Failures.ShouldHaveSingleItem();
        failure.Index.ShouldBe(4);
        failure.Message.ShouldBeSameAs(batch[4]);
        failure.Exception.ShouldBeOfType<KafkaPublishException>().Message.ShouldContain(topic);
        error.Message.ShouldContain("1 of 10");
        (await Kcat.ConsumeAllAsync(cluster, topic)).Select(r => Payload(r).Version).ShouldBe([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    }

    [EmbeddedKafkaFact]
    public async Task PublishManyAsync_WhenTheBrokerRefusesAProduceRequest_ReportsExactlyTheRecordsThatAreNotInTheLog()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(3);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Nobody>().AddKafkaChannel("carts", topic, groupId: $"g-{topic}"));
        var bus = services.GetRequiredService<IEventBus>();
        await bus.PublishAsync(new CartUpdated("warm-up", -1));

        embedded.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        var batch = Enumerable.Range(0, 300).Select(i => new CartUpdated($"cart-{i % 7}", i)).ToList();
        var error = await Should.ThrowAsync<MessageBatchException>(() => bus.PublishManyAsync(batch, e => Keyed(e.CartId)).AsTask());

        error.Failures.ShouldNotBeEmpty();
        error.Failures.ShouldAllBe(f => f.Exception is KafkaPublishException);
        error.Failures.Select(f => f.Index).ShouldBeInOrder();
        var failed = error.Failures.Select(f => f.Index).ToHashSet();
        var written = (await Kcat.ConsumeAllAsync(cluster, topic)).Select(r => Payload(r).Version).Where(v => v >= 0).ToHashSet();
        written.ShouldBe(Enumerable.Range(0, 300).Where(i => !failed.Contains(i)), ignoreOrder: true, "every record not reported as failed is in the log, and none that was");
    }

    private static CartUpdated Payload(KcatRecord record) =>
        JsonSerializer.Deserialize<CartUpdated>(record.Payload!, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    private static Dictionary<string, string> Keyed(string key) => new() { [MessageHeaderNames.PartitionKey] = key };
}
