using Conveyor;
using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MultiTenantOrders.Tests;

public sealed class MultiTenantOrdersTests
{
    [Fact]
    public async Task Demo_EachChannelPlacesItsDailyCapacity_AndTheRestWaitsUntaken()
    {
        using var host = Program.CreateHost([]);
        var book = host.Services.GetRequiredService<OrderBook>();
        var output = new StringWriter();

        var exitCode = await OrdersDemo.RunAsync(host, output);

        exitCode.ShouldBe(0, output.ToString());
        book.PlacedToday.Count(o => o.Tenant == "acme").ShouldBe(6, "the premium channel's capacity");
        book.PlacedToday.Count(o => o.Tenant != "acme").ShouldBe(5, "the shared channel's capacity");
        output.ToString().ShouldContain("Waiting for tomorrow: 2 on orders_premium");
    }

    [Fact]
    public async Task PremiumOrders_TakeTheDedicatedChannel_OthersTheSharedOne()
    {
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.ScanAssemblyOf<Program>()
                .AddInMemoryChannel(OrderChannels.Premium)
                .AddInMemoryChannel(OrderChannels.Shared)
                .AddDynamicChannel(OrderChannels.Orders, d => d
                    .SendByHeader("tenant", new Dictionary<string, string> { [OrderChannels.PremiumTenant] = OrderChannels.Premium }, OrderChannels.Shared)
                    .ReceiveThrottled<DailyCapacity>()),
            s => s.AddSingleton<OrderBook>().AddScoped<DailyCapacity>());

        await flow.SendAsync(new PlaceOrder("a-1", "acme"), new Dictionary<string, string> { ["tenant"] = "acme" });
        await flow.SendAsync(new PlaceOrder("g-1", "globex"), new Dictionary<string, string> { ["tenant"] = "globex" });

        flow.RecordedPayloads<PlaceOrder>(OrderChannels.Premium).ShouldBe([new PlaceOrder("a-1", "acme")]);
        flow.RecordedPayloads<PlaceOrder>(OrderChannels.Shared).ShouldBe([new PlaceOrder("g-1", "globex")]);

        // The premium channel runs alone, as a dedicated worker would.
        await flow.RunAsync(OrderChannels.Premium);
        flow.Services.GetRequiredService<OrderBook>().PlacedToday.ShouldBe([new PlaceOrder("a-1", "acme")]);
        flow.Channel(OrderChannels.Shared).Count.ShouldBe(1);
    }
}
