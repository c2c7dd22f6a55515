using System.Collections.Concurrent;

namespace Marketplace.Orders;

/// <summary>The orders taken (in memory, as the rest of the demo).</summary>
public sealed class OrderBook
{
    private readonly ConcurrentDictionary<string, PlaceOrder> _orders = new();

    public int Count => _orders.Count;

    public bool TryAdd(PlaceOrder order) => _orders.TryAdd(order.OrderId, order);
}
