using Conveyor.Testing;

namespace Conveyor.Tests.Buses;

public sealed class RoutingAndPropagationTests
{
    [Message("order.placed")]
    public sealed record OrderPlaced(string OrderId);

    [Message("order.cancelled")]
    public sealed record OrderCancelled(string OrderId);

    [Message("invoice.sent")]
    public sealed record InvoiceSent(string OrderId);

    public sealed record ShipOrder(string OrderId);

    public interface IOrderEvent
    {
        string OrderId { get; }
    }

    public sealed record OrderPaid(string OrderId) : IOrderEvent;

    public sealed class Seen
    {
        public List<string> Names { get; } = [];

        public List<MessageHeaders> ShipHeaders { get; } = [];
    }

    public sealed class Subscribers(Seen seen)
    {
        [EventHandler("order.*")]
        public void AnyOrderEvent([Header(MessageHeaderNames.MessageName)] string name) => seen.Names.Add($"glob:{name}");

        [EventHandler]
        public void Placed(OrderPlaced e) => seen.Names.Add("typed:placed");

        [EventHandler]
        public void AnyOrder(IOrderEvent e) => seen.Names.Add($"interface:{e.OrderId}");
    }

    public sealed class Flow(Seen seen)
    {
        [EventHandler(EndpointId = "placed.ship")]
        public ValueTask Ship(OrderPlaced e, ICommandBus bus) =>
            bus.SendAsync(new ShipOrder(e.OrderId), new Dictionary<string, string> { ["priority"] = "high" });

        [Asynchronous("shipping")]
        [CommandHandler(EndpointId = "ship")]
        public void Handle(ShipOrder command, MessageHeaders headers) => seen.ShipHeaders.Add(headers);
    }

    [Fact]
    public async Task PublishAsync_GlobTypedAndInterfaceSubscribers_AllMatchingRun()
    {
        var seen = new Seen();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Subscribers>(), s => s.AddSingleton(seen));

        await flow.PublishAsync(new OrderPlaced("1"));
        await flow.PublishAsync(new OrderCancelled("1"));
        await flow.PublishAsync(new InvoiceSent("1"));
        await flow.PublishAsync(new OrderPaid("9"));

        seen.Names.ShouldBe(["glob:order.placed", "typed:placed", "glob:order.cancelled", "interface:9"]);
    }

    [Fact]
    public async Task PublishWithRoutingAsync_JsonPayload_ConvertedForTypedSubscribers()
    {
        var seen = new Seen();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Subscribers>(), s => s.AddSingleton(seen));

        await flow.EventBus.PublishWithRoutingAsync("order.placed", """{"orderId":"7"}""", new Dictionary<string, string> { [MessageHeaderNames.MessageName] = "order.placed" });

        seen.Names.ShouldBe(["glob:order.placed", "typed:placed"]);
    }

    [Fact]
    public async Task HandlerSendingAMessage_KeepsCorrelationSetsCausationAndCarriesUserHeaders()
    {
        var seen = new Seen();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Flow>().AddInMemoryChannel("shipping"), s => s.AddSingleton(seen));

        await flow.PublishAsync(new OrderPlaced("1"), new Dictionary<string, string> { ["tenant"] = "acme", [MessageHeaderNames.CorrelationId] = "corr-1", [MessageHeaderNames.MessageId] = "evt-1" });
        await flow.RunAsync("shipping");

        var headers = seen.ShipHeaders.ShouldHaveSingleItem();
        headers.CorrelationId.ShouldBe("corr-1");
        headers.CausationId.ShouldBe("evt-1");
        headers.Get("tenant").ShouldBe("acme");
        headers.Get("priority").ShouldBe("high");
        headers.MessageId.ShouldNotBe("evt-1");
        headers.MessageName.ShouldBe(nameof(ShipOrder));
        headers.ContentType.ShouldBe("application/json");
    }

    [Fact]
    public void MessageNames_DefaultIsTheSimpleClassName_AttributeOverrides()
    {
        MessageNames.Of(typeof(ShipOrder)).ShouldBe("ShipOrder");
        MessageNames.Of(typeof(OrderPlaced)).ShouldBe("order.placed");
        MessageNames.Of(typeof(List<ShipOrder>)).ShouldBe("List<ShipOrder>");
    }
}
