using System.Collections.Concurrent;
using Conveyor;
using DistributedTicketing.Contracts;

namespace DistributedTicketing.Orders;

public sealed record CancelOrder(string OrderId, string UserId);

/// <summary>The order service's customer accounts.</summary>
public sealed class Accounts
{
    public ConcurrentDictionary<string, string> ByUser { get; } = new();
}

/// <summary>The order service: opens an account for each new user; tells the others when an order is cancelled.</summary>
public sealed class OrderService(Accounts accounts, IDistributedBus bus, Timeline timeline)
{
    [Distributed]
    [EventHandler(RoutingKeys.UserRegistered)]
    public void OnUserRegistered(UserRegistered @event)
    {
        accounts.ByUser[@event.UserId] = @event.Email;
        timeline.Add(TicketingMap.Order, $"opened an account for {@event.UserId}");
    }

    [CommandHandler]
    public async Task Cancel(CancelOrder command)
    {
        timeline.Add(TicketingMap.Order, $"cancelled {command.OrderId}");
        await bus.PublishEventAsync(RoutingKeys.OrderCancelled, new OrderCancelled(command.OrderId, command.UserId));
    }
}
