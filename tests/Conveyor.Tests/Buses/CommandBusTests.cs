using Conveyor.Testing;

namespace Conveyor.Tests.Buses;

public sealed class CommandBusTests
{
    public sealed record PlaceOrder(string OrderId, decimal Amount);

    public sealed record GetOrderTotal(string OrderId);

    public sealed record CheckStock(string Sku);

    public sealed class OrderBook
    {
        public Dictionary<string, decimal> Orders { get; } = [];
    }

    public sealed class OrderHandlers(OrderBook book)
    {
        [CommandHandler]
        public string Place(PlaceOrder command, [Header("tenant")] string? tenant)
        {
            book.Orders[command.OrderId] = command.Amount;
            return $"{command.OrderId}@{tenant ?? "none"}";
        }

        [QueryHandler]
        public decimal Total(GetOrderTotal query) => book.Orders[query.OrderId];

        [CommandHandler]
        public string Check(CheckStock command, CancellationToken cancellationToken) =>
            $"{command.Sku}: token {(cancellationToken.CanBeCanceled ? "passed" : "missing")}";

        [CommandHandler("order.cancel")]
        public Task Cancel([Header("orderId")] string orderId, CancellationToken cancellationToken)
        {
            book.Orders.Remove(orderId);
            return Task.CompletedTask;
        }
    }

    private static ConveyorFlow Flow() =>
        ConveyorFlow.Bootstrap(c => c.AddHandler<OrderHandlers>(), s => s.AddSingleton<OrderBook>());

    [Fact]
    public async Task SendAsync_SyncHandler_ReturnsResultAndBindsHeader()
    {
        await using var flow = Flow();

        var result = await flow.CommandBus.SendAsync<string>(new PlaceOrder("o-1", 12m), new Dictionary<string, string> { ["tenant"] = "acme" });

        result.ShouldBe("o-1@acme");
        (await flow.QueryAsync<decimal>(new GetOrderTotal("o-1"))).ShouldBe(12m);
    }

    [Fact]
    public async Task Bug_SendAsyncWithResult_TakesACancellationTokenWithoutMetadata()
    {
        await using var flow = Flow();
        using var cancellation = new CancellationTokenSource();
        await flow.SendAsync(new PlaceOrder("o-3", 7m));

        var result = await flow.CommandBus.SendAsync<string>(new CheckStock("sku-1"), cancellation.Token);
        var total = await flow.QueryBus.SendAsync<decimal>(new GetOrderTotal("o-3"), cancellation.Token);

        result.ShouldBe("sku-1: token passed");
        total.ShouldBe(7m);
    }

    [Fact]
    public async Task SendWithRoutingAsync_RoutingKeyHandler_RunsWithoutPayload()
    {
        await using var flow = Flow();
        await flow.SendAsync(new PlaceOrder("o-2", 5m));

        await flow.CommandBus.SendWithRoutingAsync("order.cancel", metadata: new Dictionary<string, string> { ["orderId"] = "o-2" });

        flow.Services.GetRequiredService<OrderBook>().Orders.ShouldNotContainKey("o-2");
    }

    [Fact]
    public async Task SendAsync_UnknownCommand_ThrowsNamingTheType()
    {
        await using var flow = Flow();

        var error = await Should.ThrowAsync<MessageRoutingException>(async () => await flow.SendAsync(new GetOrderTotal("x")));

        error.Message.ShouldContain("GetOrderTotal");
    }
}
