using Conveyor;
using Conveyor.Failures.DeadLetters;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ticketing.Notifications;
using Ticketing.Tickets;

namespace Ticketing;

/// <summary>
/// The scenario <c>dotnet run</c> plays: three tickets opened and two closed through the Kafka channel <c>tickets</c>,
/// plus a close for a ticket that was never opened. Exits 0 when the notifier saw every event, each ticket's on one
/// partition, and the stray close is in the dead letter with its reason.
/// </summary>
public static class TicketingDemo
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<object> Commands { get; } =
    [
        new OpenTicket("T-1", "Printer on fire"),
        new OpenTicket("T-2", "VPN drops every hour"),
        new OpenTicket("T-3", "Coffee machine empty"),
        new CloseTicket("T-1"),
        new CloseTicket("T-3"),
        new CloseTicket("T-404"),
    ];

    public static async Task<int> RunAsync(IHost host, TextWriter output, CancellationToken cancellationToken = default)
    {
        try
        {
            var services = host.Services;
            await host.StartAsync(cancellationToken);
            var bus = services.GetRequiredService<ICommandBus>();
            foreach (var command in Commands)
            {
                output.WriteLine($"send {command}");
                await bus.SendAsync(command, cancellationToken);
            }

            var log = services.GetRequiredService<NotificationLog>();
            var complete = await log.WaitUntilAsync(e => e.Count(n => n.What == "opened") == 3 && e.Count(n => n.What == "closed") == 2, Patience, cancellationToken);
            var deadLetters = await WaitForDeadLetterAsync(services.GetRequiredService<IDeadLetters>(), cancellationToken);
            await host.StopAsync(cancellationToken);

            output.WriteLine();
            output.WriteLine("TICKET  EVENT   AGGREGATE  PARTITION");
            foreach (var entry in log.Entries.OrderBy(e => e.TicketId, StringComparer.Ordinal))
            {
                output.WriteLine($"{entry.TicketId,-7} {entry.What,-7} {entry.AggregateId,-10} {entry.Partition}");
            }

            foreach (var deadLetter in deadLetters)
            {
                output.WriteLine($"dead letter: {deadLetter.EndpointId}: {deadLetter.ExceptionMessage}");
            }

            var onePartitionEach = log.Entries.GroupBy(e => e.TicketId).All(g => g.Select(e => e.Partition).Distinct().Count() == 1);
            return complete && onePartitionEach && deadLetters.Count == 1 && deadLetters[0].EndpointId == "ticket.close" ? 0 : 1;
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

    /// <summary>The close of T-404 fails on the consumer; polled with a deadline, as the dead letter has no event to wait on.</summary>
    private static async Task<IReadOnlyList<DeadLetter>> WaitForDeadLetterAsync(IDeadLetters deadLetters, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var items = (await deadLetters.ListAsync(cancellationToken: cancellationToken)).Items;
            if (items.Count > 0 || DateTime.UtcNow > deadline)
            {
                return items;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
