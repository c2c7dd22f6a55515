using System.Globalization;
using Conveyor;
using Conveyor.Failures.DeadLetters;
using Marketplace.Analytics;
using Marketplace.Customer;
using Marketplace.Orders;
using Marketplace.Partners;
using Marketplace.Provider;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Marketplace.Demo;

/// <summary>
/// The scenario <c>dotnet run</c> plays: three orders placed, each fanned out to three subscribers on their own channels,
/// the electrical partner's API failing twice. Prints the timeline and a summary; exits 0 when every subscriber handled
/// every order and nothing was dead-lettered.
/// </summary>
public static class MarketplaceDemo
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<PlaceOrder> Orders { get; } =
    [
        new("ord-1001", "alice@example.com", "plumbing", ["Fix a leaking tap"], 120m),
        new("ord-1002", "bob@example.com", "electrical", ["Install a ceiling light"], 180m),
        new("ord-1003", "carol@example.com", "cleaning", ["End-of-tenancy clean"], 240m),
    ];

    /// <summary>Every endpoint that must have handled each order for the scenario to be complete.</summary>
    public static IReadOnlyList<string> ExpectedEndpoints { get; } =
        ["orders.place_order", "customer.email_receipt", "provider.start_matching", "leads.start_matching", "partners.feed_partner_x", "analytics.record_order"];

    /// <summary>
    /// Starts the host (its hosted services create the orders table and run the consumers), plays the scenario, prints
    /// it, then stops and disposes the host; with <paramref name="serve"/> (<c>--admin</c>) it first waits for Ctrl+C, so
    /// that the admin page can be looked at.
    /// </summary>
    public static async Task<int> RunAsync(IHost host, TextWriter output, bool serve = false, CancellationToken cancellationToken = default)
    {
        try
        {
            var services = host.Services;
            var timeline = services.GetRequiredService<Timeline>();
            await host.StartAsync(cancellationToken);
            var startedAt = DateTimeOffset.UtcNow;
            await services.GetRequiredService<OrderBook>().ClearAsync(cancellationToken);

            output.WriteLine($"Placing {Orders.Count} orders; each OrderPlaced fans out to three subscribers on their own channels.");
            output.WriteLine();
            var commands = services.GetRequiredService<ICommandBus>();
            timeline.Restart();
            foreach (var order in Orders)
            {
                await commands.SendAsync(order, cancellationToken);
            }

            var complete = await timeline.WaitUntilAsync(IsComplete, Patience, cancellationToken);

            // This run's dead letters: the database keeps those of earlier runs.
            var deadLetters = (await services.GetRequiredService<IDeadLetters>().ListAsync(new DeadLetterQuery { FailedFrom = startedAt }, cancellationToken)).Items;
            var booked = await services.GetRequiredService<OrderBook>().OrderIdsAsync(cancellationToken);
            WriteTimeline(output, timeline.Entries);
            WriteSummary(output, timeline.Entries, deadLetters.Count, booked.Count, services);
            if (!complete)
            {
                output.WriteLine($"NOT COMPLETE: some handlers had not handled every order after {Patience.TotalSeconds:0} s.");
            }

            if (serve)
            {
                output.WriteLine();
                var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
                output.WriteLine($"The admin page is at {string.Join(", ", addresses.Select(a => $"{a}/conveyor/"))}; Ctrl+C stops the marketplace.");
                await host.WaitForShutdownAsync(cancellationToken); // stops the host once Ctrl+C is pressed
            }
            else
            {
                await host.StopAsync(cancellationToken);
            }

            return complete && deadLetters.Count == 0 ? 0 : 1;
        }
        finally
        {
            if (host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }
    }

    private static bool IsComplete(IReadOnlyList<TimelineEntry> entries) =>
        Orders.All(order => ExpectedEndpoints.All(endpoint => entries.Any(e => e.Handled && e.OrderId == order.OrderId && e.EndpointId == endpoint)));

    private static void WriteTimeline(TextWriter output, IReadOnlyList<TimelineEntry> entries)
    {
        output.WriteLine("Timeline");
        var table = new ConsoleTable("TIME", "CHANNEL", "ENDPOINT", "ORDER", "ATTEMPT", "WHAT HAPPENED");
        foreach (var entry in entries)
        {
            table.Add($"+{entry.StartedAt.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)}s", entry.Channel, entry.EndpointId, entry.OrderId, $"#{entry.Attempt}", entry.Outcome);
        }

        table.WriteTo(output);
        output.WriteLine();
    }

    private static void WriteSummary(TextWriter output, IReadOnlyList<TimelineEntry> entries, int deadLetters, int booked, IServiceProvider services)
    {
        output.WriteLine("Summary");
        var table = new ConsoleTable("ENDPOINT", "CHANNEL", "HANDLED", "ATTEMPTS", "RETRIES");
        foreach (var endpoint in ExpectedEndpoints)
        {
            var attempts = entries.Where(e => e.EndpointId == endpoint).ToList();
            table.Add(endpoint, attempts.FirstOrDefault()?.Channel ?? "-", attempts.Count(e => e.Handled), attempts.Count, attempts.Count(e => e.Attempt > 1));
        }

        table.WriteTo(output);
        output.WriteLine();

        var retries = entries.Count(e => e.Attempt > 1);
        output.WriteLine($"  Delayed retries: {retries}. Dead letters: {deadLetters}.");
        foreach (var retried in entries.Where(e => e.Attempt > 1 && e.Handled))
        {
            var siblings = entries.Where(e => e.OrderId == retried.OrderId && e.Channel != "(in-process)" && e.EndpointId != retried.EndpointId && e.EndpointId != "orders.place_order")
                .GroupBy(e => e.EndpointId)
                .Select(g => $"{g.Key} ran {Times(g.Count())}");
            output.WriteLine($"  Isolation: {retried.OrderId}'s {retried.EndpointId} succeeded on attempt {retried.Attempt}; {string.Join(" and ", siblings)}.");
        }

        output.WriteLine(
            $"  Side effects: {booked} orders in the orders table, "
            + $"{((OutboxEmailSender)services.GetRequiredService<IEmailSender>()).Sent.Count} receipts emailed, "
            + $"{services.GetRequiredService<LeadBoard>().OpenLeads.Count} lead matchings started, "
            + $"{services.GetRequiredService<SalesDashboard>().Orders} orders on the sales dashboard, "
            + $"{services.GetRequiredService<PartnerFeed>().Delivered.Count} leads offered to partner X "
            + $"({string.Join(", ", services.GetRequiredService<PartnerFeed>().Delivered.Select(d => $"{d.Topic}[{d.Partition}]@{d.Offset}"))}).");
    }

    private static string Times(int count) => count == 1 ? "once" : $"{count} times";
}
