using System.Collections.Concurrent;
using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Publishing;

/// <summary>
/// A named publisher in a flow test: its channel is swapped for a recording in-memory one like every other, so a flow
/// records what a handler sent through it without any Kafka (no bootstrap servers, no cluster); and a test double the
/// test registers under the publisher's name replaces it.
/// </summary>
public sealed class KafkaPublisherInFlowTests
{
    public sealed record ReserveStock(string Sku, int Quantity);

    [Message("warehouse.stock_reserved.v1")]
    public sealed record StockReserved(string Sku, int Quantity);

    public sealed class Warehouse
    {
        [Asynchronous("reservations")]
        [CommandHandler(EndpointId = "warehouse.reserve")]
        public async Task Reserve(
            ReserveStock command,
            [FromKeyedServices("stock_reserved_publisher")] IKafkaPublisher publisher,
            CancellationToken cancellationToken)
        {
            await publisher.SendAsync(
                new StockReserved(command.Sku, command.Quantity),
                new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = command.Sku },
                cancellationToken);
        }
    }

    public sealed class FakePublisher : IKafkaPublisher
    {
        public ConcurrentQueue<object> Sent { get; } = new();

        public string Name => "stock_reserved_publisher";

        public string Topic => "fake";

        public Task<KafkaDeliveryResult> SendAsync(object payload, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
        {
            Sent.Enqueue(payload);
            return Task.FromResult(new KafkaDeliveryResult(Topic, 0, Sent.Count - 1));
        }

        public Task<KafkaDeliveryResult> SendAsync(string payload, string contentType, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) =>
            SendAsync((object)payload, metadata, cancellationToken);

        public Task<KafkaDeliveryResult> SendAsync(ReadOnlyMemory<byte> payload, string contentType, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) =>
            SendAsync(payload.ToArray(), metadata, cancellationToken);
    }

    // No UseKafka options, no bootstrap servers, no cluster: the flow must not need any.
    private static void Configure(ConveyorBuilder c) => c
        .AddHandler<Warehouse>()
        .AddKafkaChannel("reservations", topic: "warehouse.reservations")
        .AddKafkaPublisher("stock_reserved_publisher", topic: "warehouse.stock_reserved.v1");

    [Fact]
    public async Task Bug_Flow_NamedKafkaPublisher_RecordsWhatAHandlerSentThroughIt_WithoutKafka()
    {
        await using var flow = ConveyorFlow.Bootstrap(Configure);
        await flow.SendAsync(new ReserveStock("sku-1", 3));

        await flow.RunAsync("reservations");

        flow.RecordedPayloads<StockReserved>("stock_reserved_publisher").ShouldBe([new StockReserved("sku-1", 3)]);
        var record = flow.RecordedMessages("stock_reserved_publisher").ShouldHaveSingleItem();
        record.Headers.MessageName.ShouldBe("warehouse.stock_reserved.v1");
        record.Headers.Get(MessageHeaderNames.PartitionKey).ShouldBe("sku-1");
        flow.Services.GetRequiredService<Conveyor.Channels.IChannelRegistry>().KindOf("stock_reserved_publisher").ShouldBe("kafka-publisher");
    }

    [Fact]
    public async Task Bug_Flow_KeyedPublisherTheTestRegisters_OverridesTheOneAddKafkaPublisherRegisters()
    {
        var fake = new FakePublisher();
        await using var flow = ConveyorFlow.Bootstrap(Configure, s => s.AddKeyedSingleton<IKafkaPublisher>("stock_reserved_publisher", fake));
        await flow.SendAsync(new ReserveStock("sku-2", 1));

        await flow.RunAsync("reservations");

        fake.Sent.ShouldHaveSingleItem().ShouldBe(new StockReserved("sku-2", 1));
        flow.RecordedMessages("stock_reserved_publisher").ShouldBeEmpty("the test's double took the send instead of the real publisher");
        flow.Services.GetRequiredKeyedService<IKafkaPublisher>("stock_reserved_publisher").ShouldBeSameAs(fake);
    }
}
