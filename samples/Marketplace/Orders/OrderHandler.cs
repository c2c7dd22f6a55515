using Conveyor;

namespace Marketplace.Orders;

public sealed class OrderHandler(OrderBook orders, IEventBus events)
{
    /// <summary>Runs in the caller's flow: the order is recorded before <c>SendAsync</c> returns.</summary>
    [CommandHandler(EndpointId = "orders.place_order")]
    public async Task Place(PlaceOrder command, CancellationToken cancellationToken)
    {
        if (!orders.TryAdd(command))
        {
            throw new InvalidOperationException($"Order {command.OrderId} was placed already.");
        }

        await events.PublishAsync(
            new OrderPlaced(command.OrderId, command.CustomerEmail, command.Category, command.Items, command.Total),
            cancellationToken);
    }
}
