using Conveyor;
using Marketplace.Demo;
using Marketplace.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Marketplace.Tests;

/// <summary>Where the orders and the events go: SQLite with the outbox by default, PostgreSQL by configuration alone.</summary>
public sealed class StorageTests
{
    [Fact]
    public async Task Sqlite_RelayOff_TheOrdersAndTheirEventsWaitInTheDatabaseTogether()
    {
        using var database = new SqliteFile();
        var host = Program.CreateHost([database.Argument, "--Conveyor:Outbox:Relay=false"]);
        var timeline = host.Services.GetRequiredService<Timeline>();
        try
        {
            await host.StartAsync();
            foreach (var order in MarketplaceDemo.Orders)
            {
                await host.Services.GetRequiredService<ICommandBus>().SendAsync(order);
            }

            var placed = await timeline.WaitUntilAsync(
                entries => entries.Count(e => e.EndpointId == "orders.place_order" && e.Handled) == MarketplaceDemo.Orders.Count,
                MarketplaceDemo.Patience);
            placed.ShouldBeTrue("every PlaceOrder handled");
            (await host.Services.GetRequiredService<OrderBook>().OrderIdsAsync(default)).ShouldBe(["ord-1001", "ord-1002", "ord-1003"]);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }

        // Each handler committed its row and its OrderPlaced in one transaction; with no relay the events are still rows,
        // one per subscriber's channel and order.
        (await database.StringsAsync("SELECT channel || ' ' || COUNT(*) FROM conveyor_outbox GROUP BY channel ORDER BY channel;"))
            .ShouldBe(["analytics 3", "customer_notifications 3", "provider_matching 3"]);
        timeline.Entries.ShouldAllBe(e => e.EndpointId == "orders.place_order", "no subscriber received an event that was not relayed");
    }

    [Fact]
    public async Task PostgreSql_ByConfigurationAlone_PlaysTheDemoWithTheOrdersInPostgreSql()
    {
        await using var database = await PostgreSqlTestDatabase.CreateAsync();
        var output = new StringWriter();

        var exitCode = await MarketplaceDemo.RunAsync(
            Program.CreateHost(["--Marketplace:Storage=PostgreSql", $"--ConnectionStrings:Marketplace={database.ConnectionString}"]),
            output);

        exitCode.ShouldBe(0, output.ToString());
        (await database.StringsAsync("SELECT id FROM marketplace_orders ORDER BY id;")).ShouldBe(["ord-1001", "ord-1002", "ord-1003"]);
        (await database.StringsAsync("SELECT COUNT(*) FROM conveyor_schema;")).ShouldNotBe(["0"], "Conveyor's own tables are in the same database");
    }

    [Fact]
    public void UnknownStorage_FailsAtStartUp_NamingTheChoices()
    {
        var error = Should.Throw<InvalidOperationException>(() => Program.CreateHost(["--Marketplace:Storage=Oracle"]).Dispose());

        error.Message.ShouldContain("Marketplace:Storage is 'Oracle'; set it to Sqlite (the default) or PostgreSql");
    }
}
