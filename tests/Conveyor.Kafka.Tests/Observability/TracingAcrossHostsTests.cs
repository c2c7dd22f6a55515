using System.Collections.Concurrent;
using System.Diagnostics;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Conveyor.Kafka.Tests.Observability;

/// <summary>
/// One trace from an HTTP request through a command, an event over Kafka, its handler and the command that handler sends
/// over Kafka to another application: two hosts (service providers) in this process, recorded by OpenTelemetry's
/// in-memory exporter.
/// </summary>
public sealed class TracingAcrossHostsTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private static readonly ActivitySource Http = new("Test.Http");

    public sealed record PlaceOrder(string OrderId);

    public sealed record OrderPlaced(string OrderId);

    public sealed record ShipOrder(string OrderId);

    /// <summary>What the shipping application's handler saw.</summary>
    public sealed class Shipments
    {
        public ConcurrentQueue<(string OrderId, ActivityTraceId TraceId)> Shipped { get; } = new();
    }

    public sealed class OrderHandler(IEventBus events)
    {
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Place(PlaceOrder command, CancellationToken cancellationToken) => await events.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken: cancellationToken);
    }

    public sealed class ShippingRequester
    {
        [Asynchronous("order-events")]
        [EventHandler(EndpointId = "orders.request_shipping")]
        public Task Request(OrderPlaced placed, [FromKeyedServices("shipping_publisher")] IKafkaPublisher shipping, CancellationToken cancellationToken) =>
            shipping.SendAsync(new ShipOrder(placed.OrderId), cancellationToken: cancellationToken);
    }

    public sealed class ShippingHandler(Shipments shipments)
    {
        [Asynchronous("shipping")]
        [CommandHandler(EndpointId = "shipping.ship")]
        public void Ship(ShipOrder command) => shipments.Shipped.Enqueue((command.OrderId, Activity.Current?.TraceId ?? default));
    }

    [Fact]
    public async Task OneTrace_HttpRequestToCommandToEventOverKafkaToAnotherHostsHandler()
    {
        var spans = new Exported<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(Http.Name).AddConveyorInstrumentation().AddInMemoryExporter(spans).Build();
        var eventsTopic = await cluster.CreateTopicAsync(3);
        var shippingTopic = await cluster.CreateTopicAsync(3);
        var shipments = new Shipments();
        await using var orders = ConveyorOnKafka.Build(cluster, c => c
            .AddHandler<OrderHandler>().AddHandler<ShippingRequester>()
            .AddKafkaChannel("order-events", eventsTopic, $"orders-{eventsTopic}")
            .AddKafkaPublisher("shipping_publisher", shippingTopic));
        await using var shipping = ConveyorOnKafka.Build(
            cluster, c => c.AddHandler<ShippingHandler>().AddKafkaChannel("shipping", shippingTopic, $"shipping-{shippingTopic}"), s => s.AddSingleton(shipments));

        ActivityTraceId traceId;
        using (var request = Http.StartActivity("POST /orders", ActivityKind.Server))
        {
            request.ShouldNotBeNull();
            traceId = request.TraceId;
            await orders.GetRequiredService<ICommandBus>().SendAsync(new PlaceOrder("o-1"));
        }

        var shipped = shipping.RunUntil("shipping", () => !shipments.Shipped.IsEmpty, "the shipping application handled the command");
        var requested = orders.RunUntil("order-events", () => !shipments.Shipped.IsEmpty, "the shipping application handled the command");
        await Task.WhenAll(shipped, requested);
        shipments.Shipped.Single().ShouldBe(("o-1", traceId), "the handler in the other application runs in the request's trace");

        List<Activity> trace = [];
        await Eventually.Until(
            () => (trace = Snapshot(spans, traceId)).Count(s => s.DisplayName.StartsWith("process ", StringComparison.Ordinal)) == 2,
            "both process spans were exported");
        var root = trace.Single(s => s.DisplayName == "POST /orders");
        var publish = trace.Single(s => s.DisplayName == "publish order-events");
        var processEvent = trace.Single(s => s.DisplayName == "process order-events");
        var send = trace.Single(s => s.DisplayName == "send shipping_publisher");
        var processCommand = trace.Single(s => s.DisplayName == "process shipping");

        publish.ParentSpanId.ShouldBe(root.SpanId);
        processEvent.ParentSpanId.ShouldBe(publish.SpanId, "the consumer continues the context the record's traceparent header carried");
        send.ParentSpanId.ShouldBe(processEvent.SpanId, "the handler's send is a child of its process span");
        processCommand.ParentSpanId.ShouldBe(send.SpanId, "the other application continues the publisher's context");

        publish.Kind.ShouldBe(ActivityKind.Producer);
        send.Kind.ShouldBe(ActivityKind.Producer);
        processEvent.Kind.ShouldBe(ActivityKind.Consumer);
        processCommand.Kind.ShouldBe(ActivityKind.Consumer);

        publish.GetTagItem("messaging.system").ShouldBe("kafka");
        publish.GetTagItem("messaging.operation.type").ShouldBe("send");
        publish.GetTagItem("messaging.operation.name").ShouldBe("publish");
        publish.GetTagItem("messaging.destination.name").ShouldBe("order-events");
        publish.GetTagItem("conveyor.endpoint").ShouldBeNull("the endpoint a message is for is a detail (ConveyorTracingOptions.RecordMessageDetails)");
        send.GetTagItem("messaging.operation.name").ShouldBe("send");

        processEvent.GetTagItem("messaging.system").ShouldBe("kafka");
        processEvent.GetTagItem("messaging.operation.type").ShouldBe("process");
        processEvent.GetTagItem("messaging.destination.name").ShouldBe(eventsTopic);
        processEvent.GetTagItem("conveyor.channel").ShouldBeNull("the channel is in the span's name; the attribute is a detail");
        processEvent.GetTagItem("conveyor.endpoint").ShouldBe("orders.request_shipping");
        processEvent.GetTagItem("conveyor.outcome").ShouldBe("handled");
        processEvent.GetTagItem("messaging.message.id").ShouldBe(publish.GetTagItem("messaging.message.id"));
        processEvent.GetTagItem("messaging.destination.partition.id").ShouldNotBeNull();
        processEvent.GetTagItem("messaging.kafka.offset").ShouldBe(0L);
        processEvent.GetTagItem("messaging.kafka.message.key").ShouldBeNull("the key is a detail (ConveyorTracingOptions.RecordMessageDetails)");
        processEvent.GetTagItem("conveyor.attempt").ShouldBeNull("a first attempt carries no attempt number by default");
        processCommand.GetTagItem("conveyor.endpoint").ShouldBe("shipping.ship");
        processCommand.GetTagItem("messaging.destination.name").ShouldBe(shippingTopic);
        processCommand.Status.ShouldBe(ActivityStatusCode.Unset);
    }

    private static List<Activity> Snapshot(Exported<Activity> spans, ActivityTraceId traceId) => [.. spans.Snapshot().Where(s => s.TraceId == traceId)];
}
