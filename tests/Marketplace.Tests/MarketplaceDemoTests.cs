using Conveyor.Failures.DeadLetters;
using Marketplace.Analytics;
using Marketplace.Customer;
using Marketplace.Demo;
using Marketplace.Provider;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Tests;

/// <summary>
/// The demo as <c>dotnet run</c> plays it: real host, hosted consumers, the embedded Kafka cluster, a SQLite file with
/// the outbox, real 200 ms retry delays.
/// </summary>
public sealed class MarketplaceDemoTests
{
    [Fact]
    public async Task Demo_PartnerApiFailsTwice_OnlyMatchingIsRetriedAndNothingIsDeadLettered()
    {
        using var database = new SqliteFile();
        var host = Program.CreateHost([database.Argument]);
        var services = host.Services;
        var (timeline, deadLetters) = (services.GetRequiredService<Timeline>(), services.GetRequiredService<IDeadLetterStore>());
        var (emails, leads, dashboard) = ((OutboxEmailSender)services.GetRequiredService<IEmailSender>(), services.GetRequiredService<LeadBoard>(), services.GetRequiredService<SalesDashboard>());
        var output = new StringWriter();

        var exitCode = await MarketplaceDemo.RunAsync(host, output);

        exitCode.ShouldBe(0, output.ToString());
        var matching = Attempts(timeline, "provider.start_matching", "ord-1002");
        matching.Select(a => (a.Attempt, a.Handled)).ShouldBe([(1, false), (2, false), (3, true)]);
        (matching[1].StartedAt - matching[0].StartedAt).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190), "the retry really waits");
        (matching[2].StartedAt - matching[1].StartedAt).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190), "the retry really waits");

        foreach (var order in MarketplaceDemo.Orders.Select(o => o.OrderId))
        {
            foreach (var sibling in (string[])["customer.email_receipt", "analytics.record_order", "leads.start_matching"])
            {
                Attempts(timeline, sibling, order).Select(a => (a.Attempt, a.Handled)).ShouldBe([(1, true)], $"{sibling} for {order}");
            }
        }

        Attempts(timeline, "provider.start_matching", "ord-1001").Count.ShouldBe(1);
        Attempts(timeline, "provider.start_matching", "ord-1003").Count.ShouldBe(1);
        emails.Sent.Count.ShouldBe(3);
        leads.OpenLeads.Keys.Order().ShouldBe(["ord-1001", "ord-1002", "ord-1003"]);
        dashboard.Orders.ShouldBe(3);
        (await deadLetters.ListAsync(new DeadLetterQuery(), default)).Items.ShouldBeEmpty();
        output.ToString().ShouldContain("Delayed retries: 2. Dead letters: 0.");

        // The orders are rows of the SQLite file, and every OrderPlaced left the outbox (relayed: the subscribers ran).
        (await database.StringsAsync("SELECT id FROM marketplace_orders ORDER BY id;")).ShouldBe(["ord-1001", "ord-1002", "ord-1003"]);
        (await database.StringsAsync("SELECT COUNT(*) FROM conveyor_outbox;")).ShouldBe(["0"]);
        output.ToString().ShouldContain("3 orders in the orders table");
    }

    [Fact]
    public async Task Demo_RunTwiceOnOneFile_PlaysTheSameOrdersAgain()
    {
        using var database = new SqliteFile();

        (await MarketplaceDemo.RunAsync(Program.CreateHost([database.Argument]), TextWriter.Null)).ShouldBe(0);
        var output = new StringWriter();
        var exitCode = await MarketplaceDemo.RunAsync(Program.CreateHost([database.Argument]), output);

        exitCode.ShouldBe(0, output.ToString());
        (await database.StringsAsync("SELECT id FROM marketplace_orders ORDER BY id;")).ShouldBe(["ord-1001", "ord-1002", "ord-1003"]);
    }

    [Fact]
    public async Task EntryPoint_ConveyorList_ShowsEachSubscriberOnItsOwnChannel()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int exitCode;
        try
        {
            // The compiler's synchronous Main around the top-level statements: what 'dotnet run -- conveyor list' calls.
            exitCode = await Task.Run(() => (int)typeof(Program).Assembly.EntryPoint!.Invoke(null, [new[] { "conveyor", "list" }])!);
        }
        finally
        {
            Console.SetOut(original);
        }

        exitCode.ShouldBe(0, output.ToString());
        var lines = output.ToString().Split('\n');
        lines.ShouldContain(l => l.StartsWith("customer_notifications ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" customer.email_receipt", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("provider_matching ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" provider.start_matching", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("analytics ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" analytics.record_order", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bug_EntryPoint_ConveyorList_ShowsTheNamedPublisherWithItsKindAndTopic()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int exitCode;
        try
        {
            exitCode = await Task.Run(() => (int)typeof(Program).Assembly.EntryPoint!.Invoke(null, [new[] { "conveyor", "list" }])!);
        }
        finally
        {
            Console.SetOut(original);
        }

        exitCode.ShouldBe(0, output.ToString());
        var lines = output.ToString().Split('\n');
        lines.ShouldContain(l => l.StartsWith("CHANNEL ", StringComparison.Ordinal) && l.Contains(" ADDRESS ", StringComparison.Ordinal), output.ToString());
        lines.ShouldContain(
            l => System.Text.RegularExpressions.Regex.IsMatch(l.TrimEnd(), @"^partner_x_publisher\s+kafka-publisher\s+partner_x\.lead\.offered\.v1\s+-\s+-$"),
            output.ToString());
        lines.ShouldContain(
            l => System.Text.RegularExpressions.Regex.IsMatch(l.TrimEnd(), @"^analytics\s+kafka\s+marketplace\.analytics\s+"),
            output.ToString());
    }

    private static List<TimelineEntry> Attempts(Timeline timeline, string endpoint, string orderId) =>
        [.. timeline.Entries.Where(e => e.EndpointId == endpoint && e.OrderId == orderId)];
}
