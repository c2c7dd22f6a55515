using System.Collections.Concurrent;

namespace Conveyor.AspNetCore.Tests.Infrastructure;

/// <summary>The test application's one command.</summary>
public sealed record PlaceOrder(string OrderId);

/// <summary>Whether the (pretend) payment service is down: the handler fails while it is, and messages go to the dead letter.</summary>
public sealed class Outage
{
    private volatile bool _down;

    public bool Down
    {
        get => _down;
        set => _down = value;
    }
}

/// <summary>The orders the handler handled, in order.</summary>
public sealed class HandledOrders
{
    private readonly ConcurrentQueue<string> _ids = new();

    public IReadOnlyList<string> Ids => [.. _ids];

    public void Add(string id) => _ids.Enqueue(id);
}

/// <summary>Handles orders on the in-memory channel 'orders'; fails while the outage lasts.</summary>
public sealed class OrderHandler(Outage outage, HandledOrders handled)
{
    public const string Channel = "orders";
    public const string EndpointId = "orders.place";

    [Asynchronous(Channel)]
    [CommandHandler(EndpointId = EndpointId)]
    public void Handle(PlaceOrder order)
    {
        if (outage.Down)
        {
            throw new InvalidOperationException($"Order {order.OrderId}: the payment service is down");
        }

        handled.Add(order.OrderId);
    }
}
