using Conveyor;
using Conveyor.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MultiTenantOrders;

/// <summary>
/// The day <c>dotnet run</c> plays: the premium tenant places 8 orders, two standard tenants 4 and 3. One run of the
/// dynamic channel consumes both tenant channels until each is empty or at its daily capacity. Exits 0 when the
/// premium channel placed its 6 and the shared channel its 5, and the rest wait, untaken.
/// </summary>
public static class OrdersDemo
{
    public static IReadOnlyList<PlaceOrder> Orders { get; } =
    [
        .. Enumerable.Range(1, 8).Select(i => new PlaceOrder($"acme-{i}", "acme")),
        .. Enumerable.Range(1, 4).Select(i => new PlaceOrder($"globex-{i}", "globex")),
        .. Enumerable.Range(1, 3).Select(i => new PlaceOrder($"initech-{i}", "initech")),
    ];

    public static async Task<int> RunAsync(IHost host, TextWriter output, CancellationToken cancellationToken = default)
    {
        var services = host.Services;
        var bus = services.GetRequiredService<ICommandBus>();
        foreach (var order in Orders)
        {
            await bus.SendAsync(order, new Dictionary<string, string> { ["tenant"] = order.Tenant }, cancellationToken);
        }

        var registry = services.GetRequiredService<IChannelRegistry>();
        output.WriteLine($"Sent {Orders.Count} orders: {await LagAsync(registry, OrderChannels.Premium, cancellationToken)} on {OrderChannels.Premium}, {await LagAsync(registry, OrderChannels.Shared, cancellationToken)} on {OrderChannels.Shared}.");

        var run = await services.GetRequiredService<IConsumerRunner>().RunAsync(OrderChannels.Orders, new ConsumerRunOptions { StopWhenEmpty = true }, cancellationToken);
        var book = services.GetRequiredService<OrderBook>();
        output.WriteLine($"Consumed '{OrderChannels.Orders}': {run.Finished} orders placed ({run.StopReason}).");
        foreach (var tenant in Orders.Select(o => o.Tenant).Distinct())
        {
            output.WriteLine($"  {tenant}: {book.PlacedToday.Count(o => o.Tenant == tenant)} placed");
        }

        var premiumWaiting = await LagAsync(registry, OrderChannels.Premium, cancellationToken);
        var sharedWaiting = await LagAsync(registry, OrderChannels.Shared, cancellationToken);
        output.WriteLine($"Waiting for tomorrow: {premiumWaiting} on {OrderChannels.Premium} (capacity {DailyCapacity.PerDay[OrderChannels.Premium]}/day), {sharedWaiting} on {OrderChannels.Shared} (capacity {DailyCapacity.PerDay[OrderChannels.Shared]}/day).");
        return book.PlacedTodayOn(OrderChannels.Premium) == 6 && book.PlacedTodayOn(OrderChannels.Shared) == 5 && premiumWaiting == 2 && sharedWaiting == 2 ? 0 : 1;
    }

    private static async Task<long> LagAsync(IChannelRegistry registry, string channel, CancellationToken cancellationToken) =>
        registry.TryGet(channel, out var found) && found is IReceivingChannel receiving ? await receiving.GetLagAsync(cancellationToken) ?? 0 : 0;
}
