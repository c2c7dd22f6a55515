using Conveyor;
using Conveyor.Testing;
using Marketplace.Analytics;
using Marketplace.Customer;
using Marketplace.Orders;
using Marketplace.Partners;
using Marketplace.Provider;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests;

/// <summary>
/// The marketplace as a user's own test project tests it, as docs/testing.md shows: a separate project scanning the
/// application's handlers with <c>ScanAssemblyOf&lt;Program&gt;()</c> (which compiles because the sample declares
/// <c>public partial class Program</c>), every Kafka channel and the named publisher in memory, no cluster. The order
/// handler writes in its unit of work, so the flow has a SQLite file; the outbox is off, so that what handlers send
/// goes straight to the in-memory channels the test runs.
/// </summary>
public sealed class MarketplaceFlowTests : IDisposable
{
    private readonly SqliteFile _database = new();

    public void Dispose() => _database.Dispose();

    /// <summary>The flow, and the orders table the application's hosted service would create (a flow runs no hosted services).</summary>
    private async Task<ConveyorFlow> FlowAsync(IReadOnlyDictionary<string, int> outages)
    {
        var flow = Flow(outages);
        await flow.Services.GetRequiredService<OrderBook>().CreateAsync(default);
        return flow;
    }

    private ConveyorFlow Flow(IReadOnlyDictionary<string, int> outages) => ConveyorFlow.Bootstrap(
        c => c
            .ScanAssemblyOf<Program>()
            .UseSqlite($"Data Source={_database.Path}")
            .UseOutbox(o => o.Enabled = false)
            .AddKafkaChannel("orders", topic: "marketplace.orders")
            .AddKafkaChannel("customer_notifications", topic: "marketplace.customer_notifications")
            .AddKafkaChannel("provider_matching", topic: "marketplace.provider_matching")
            .AddKafkaChannel("analytics", topic: "marketplace.analytics")
            .AddKafkaPublisher("partner_x_publisher", topic: "partner_x.lead.offered.v1"),
        s => s
            .AddSingleton<OrderBook>()
            .AddSingleton<IEmailSender, OutboxEmailSender>()
            .AddSingleton<LeadBoard>()
            .AddSingleton<SalesDashboard>()
            .AddSingleton<PartnerFeed>()
            .AddSingleton<IPartnerDirectory>(new SimulatedPartnerDirectory(outages)));

    [Fact]
    public async Task Flow_FromASeparateTestProject_PlacesAnOrderAndRecordsTheLeadOfferedToPartnerX()
    {
        await using var flow = await FlowAsync(new Dictionary<string, int>());

        await flow.SendAsync(new PlaceOrder("ord-1", "ada@example.com", "plumbing", ["fix sink"], 120m));
        await flow.RunAsync("orders");
        await flow.RunAsync("customer_notifications");
        await flow.RunAsync("provider_matching");
        await flow.RunAsync("analytics");

        flow.RecordedPayloads<LeadOffered>("partner_x_publisher").ShouldHaveSingleItem()
            .ShouldBe(new LeadOffered("ord-1", "plumbing", ["plumbing-pro-1", "plumbing-pro-2"]), new LeadOfferedComparer());
        ((OutboxEmailSender)flow.Services.GetRequiredService<IEmailSender>()).Sent.ShouldHaveSingleItem().To.ShouldBe("ada@example.com");
        flow.Services.GetRequiredService<SalesDashboard>().Orders.ShouldBe(1);
    }

    [Fact]
    public async Task Flow_PartnerApiDown_FailsTheRun_UntilTheTestSaysItExpectsTheRetry()
    {
        await using var flow = await FlowAsync(new Dictionary<string, int> { ["electrical"] = 1 });
        await flow.SendAsync(new PlaceOrder("ord-2", "bob@example.com", "electrical", ["rewire"], 900m));
        await flow.RunAsync("orders");

        var failed = await Should.ThrowAsync<FlowFailedException>(() => flow.RunAsync("provider_matching"));
        failed.InnerException.ShouldBeOfType<PartnerApiUnavailableException>();
        failed.Message.ShouldContain("provider.start_matching");

        flow.AdvanceTime(TimeSpan.FromMilliseconds(200));
        await flow.RunAsync("provider_matching");
        flow.RecordedPayloads<LeadOffered>("partner_x_publisher").ShouldHaveSingleItem().OrderId.ShouldBe("ord-2");
    }

    private sealed class LeadOfferedComparer : IEqualityComparer<LeadOffered>
    {
        public bool Equals(LeadOffered? x, LeadOffered? y) =>
            x is not null && y is not null && x.OrderId == y.OrderId && x.Category == y.Category && x.Providers.SequenceEqual(y.Providers);

        public int GetHashCode(LeadOffered obj) => obj.OrderId.GetHashCode(StringComparison.Ordinal);
    }
}
