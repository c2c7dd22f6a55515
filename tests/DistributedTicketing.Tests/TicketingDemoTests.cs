using Conveyor;
using DistributedTicketing.Orders;
using DistributedTicketing.Tickets;
using Microsoft.Extensions.DependencyInjection;

namespace DistributedTicketing.Tests;

/// <summary>The demo as <c>dotnet run</c> plays it: three hosts, hosted consumers, one embedded Kafka cluster.</summary>
public sealed class TicketingDemoTests
{
    [Fact]
    public async Task Demo_ThreeServicesOverKafka_CommandsAndEventsFollowTheMap()
    {
        await using var system = await TicketingSystem.StartAsync();
        var output = new StringWriter();

        var exitCode = await TicketingDemo.RunAsync(system, output);

        exitCode.ShouldBe(0, output.ToString());
        system.Ticket.Services.GetRequiredService<TicketDesk>().Open.Keys.Order().ShouldBe(["refund-o-7", "t-100", "welcome-u-1"]);
        system.Order.Services.GetRequiredService<Accounts>().ByUser.Keys.ShouldBe(["u-1"]);
        var entries = system.Timeline.Entries;
        entries.Count(e => e.StartsWith("order  opened an account", StringComparison.Ordinal)).ShouldBe(1, "each event reaches a service once");
        output.ToString().ShouldContain("Dead letters in the ticket service: 1 — ticket.close: Command handler 'TicketService.Close' of service 'ticket' takes routing key 'ticket.close' but is not marked [Distributed]");
    }

    [Fact]
    public async Task UserService_PublishingAnEventItHandlesItself_NeverReceivesIt()
    {
        await using var system = await TicketingSystem.StartAsync();

        await system.User.Services.GetRequiredService<IDistributedBus>().PublishEventAsync("ticket.opened", new Contracts.TicketOpened("t-self", "u-9", "self"));
        await system.User.Services.GetRequiredService<IDistributedBus>().SendCommandAsync("ticket", "ticket.create", new Contracts.CreateTicket("t-after", "u-9", "marker"));
        await Until(() => system.Timeline.Entries.Any(e => e.Contains("ticket t-after opened", StringComparison.Ordinal)));

        system.Timeline.Entries.ShouldNotContain(e => e.Contains("t-self", StringComparison.Ordinal), "the user service's own ticket.opened handler never got its own event");
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!condition())
        {
            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue("the condition did not hold within 60 s");
            await Task.Delay(50);
        }
    }
}
