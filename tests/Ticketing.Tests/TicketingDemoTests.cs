using Microsoft.Extensions.DependencyInjection;
using Ticketing.Notifications;

namespace Ticketing.Tests;

/// <summary>The demo as <c>dotnet run</c> plays it: real host, hosted consumers, the embedded Kafka cluster.</summary>
public sealed class TicketingDemoTests
{
    [Fact]
    public async Task Demo_EveryTicketsEventsComeFromOnePartition_AndTheStrayCloseIsDeadLettered()
    {
        var host = Program.CreateHost([]);
        var log = host.Services.GetRequiredService<NotificationLog>();
        var output = new StringWriter();

        var exitCode = await TicketingDemo.RunAsync(host, output);

        exitCode.ShouldBe(0, output.ToString());
        log.Entries.Select(e => (e.TicketId, e.What)).Order().ShouldBe([("T-1", "closed"), ("T-1", "opened"), ("T-2", "opened"), ("T-3", "closed"), ("T-3", "opened")]);
        log.Entries.ShouldAllBe(e => e.AggregateId == e.TicketId);
        output.ToString().ShouldContain("dead letter: ticket.close: ticket.close: no Ticket has identifier 'T-404'");
    }
}
