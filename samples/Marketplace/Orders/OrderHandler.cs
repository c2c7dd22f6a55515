using Conveyor;
using Conveyor.UnitOfWork;

namespace Marketplace.Orders;

public sealed class OrderHandler(IDbUnitOfWork unitOfWork, IEventBus events)
{
    /// <summary>
    /// Runs in its message's unit of work: the order row and <see cref="OrderPlaced"/> (a row in the outbox, relayed to
    /// the subscribers' channels after the commit) commit together, or neither does and the message is handled again.
    /// </summary>
    [Asynchronous("orders")]
    [CommandHandler(EndpointId = "orders.place_order")]
    public async Task Place(PlaceOrder command, CancellationToken cancellationToken)
    {
        await OrderBook.AddAsync(unitOfWork, command, cancellationToken);
        await events.PublishAsync(
            new OrderPlaced(command.OrderId, command.CustomerEmail, command.Category, command.Items, command.Total),
            cancellationToken);
    }
}
