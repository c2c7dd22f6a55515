using System.Collections.Concurrent;
using Conveyor;
using Conveyor.Channels.Dynamic;

namespace MultiTenantOrders;

/// <summary>A tenant's order; the tenant travels as the <c>tenant</c> header, which picks the order's channel.</summary>
public sealed record PlaceOrder(string OrderId, string Tenant);

/// <summary>The channels: a dedicated one for the premium tenant, a shared one for every other tenant.</summary>
public static class OrderChannels
{
    public const string Orders = "orders";
    public const string Premium = "orders_premium";
    public const string Shared = "orders_shared";
    public const string PremiumTenant = "acme";
}

/// <summary>Places orders. It names the dynamic channel only: which tenant channel carries an order is not its concern.</summary>
public sealed class OrderHandler(OrderBook book)
{
    [Asynchronous(OrderChannels.Orders)]
    [CommandHandler(EndpointId = "orders.place")]
    public void Handle(PlaceOrder order) => book.Placed(order);
}

/// <summary>The orders placed today, per tenant and per channel (the sample's stand-in for an orders table).</summary>
public sealed class OrderBook
{
    private readonly ConcurrentQueue<PlaceOrder> _placed = new();

    public IReadOnlyList<PlaceOrder> PlacedToday => [.. _placed];

    public void Placed(PlaceOrder order) => _placed.Enqueue(order);

    /// <summary>Orders placed today from the tenants a channel carries.</summary>
    public int PlacedTodayOn(string channel) =>
        _placed.Count(o => (o.Tenant == OrderChannels.PremiumTenant ? OrderChannels.Premium : OrderChannels.Shared) == channel);
}

/// <summary>
/// The daily capacity each channel's tenants paid for: the throttling decision. A channel at its capacity is skipped;
/// its orders wait in it, untaken, for the next day (or for more capacity to be bought).
/// </summary>
public sealed class DailyCapacity(OrderBook book) : IConsumptionDecider
{
    public static readonly IReadOnlyDictionary<string, int> PerDay = new Dictionary<string, int>
    {
        [OrderChannels.Premium] = 6,
        [OrderChannels.Shared] = 5,
    };

    public ValueTask<bool> ShouldConsumeAsync(string channelName, CancellationToken cancellationToken) =>
        ValueTask.FromResult(book.PlacedTodayOn(channelName) < PerDay[channelName]);
}
