using Conveyor;
using Conveyor.Failures.DeadLetters;
using DistributedTicketing.Contracts;
using DistributedTicketing.Orders;
using DistributedTicketing.Tickets;
using DistributedTicketing.Users;
using Microsoft.Extensions.DependencyInjection;

namespace DistributedTicketing;

/// <summary>The scenario <c>dotnet run</c> plays: commands and events between the three services, and a command the target refuses.</summary>
public static class TicketingDemo
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(TicketingSystem system, TextWriter output)
    {
        var desk = system.Ticket.Services.GetRequiredService<TicketDesk>();
        var accounts = system.Order.Services.GetRequiredService<Accounts>();
        var userBus = system.User.Services.GetRequiredService<IDistributedBus>();

        output.WriteLine("1. user registers u-1: the event reaches ticket and order, never user itself");
        await system.User.Services.GetRequiredService<ICommandBus>().SendAsync(new RegisterUser("u-1", "ada@example.com"));
        await UntilAsync(() => accounts.ByUser.ContainsKey("u-1") && Notified(system, "welcome-u-1"), "u-1 has an account and a welcome ticket");

        output.WriteLine("2. user sends ticket.create to the ticket service");
        await userBus.SendCommandAsync(TicketingMap.Ticket, RoutingKeys.CreateTicket, new CreateTicket("t-100", "u-1", "printer on fire"));
        await UntilAsync(() => Notified(system, "t-100"), "ticket t-100 is opened and u-1 told");

        output.WriteLine("3. order cancels o-7: ticket subscribes to order.cancelled, user excludes order's events");
        await system.Order.Services.GetRequiredService<ICommandBus>().SendAsync(new CancelOrder("o-7", "u-1"));
        await UntilAsync(() => Notified(system, "refund-o-7"), "a refund ticket is opened");

        output.WriteLine("4. user sends ticket.close, which the ticket service does not offer as [Distributed]");
        await userBus.SendCommandAsync(TicketingMap.Ticket, RoutingKeys.CloseTicket, new CloseTicket("t-100"));
        var deadLetters = system.Ticket.Services.GetRequiredService<IDeadLetters>();
        IReadOnlyList<DeadLetter> refused = [];
        await UntilAsync(async () => (refused = (await deadLetters.ListAsync()).Items).Count > 0, "the refused command is dead-lettered");

        output.WriteLine();
        foreach (var entry in system.Timeline.Entries)
        {
            output.WriteLine("   " + entry);
        }

        output.WriteLine();
        output.WriteLine($"Open tickets: {string.Join(", ", desk.Open.Keys.Order(StringComparer.Ordinal))}. Accounts: {accounts.ByUser.Count}.");
        output.WriteLine($"Dead letters in the ticket service: {refused.Count} — {refused[0].Message.Headers.RoutingKey}: {refused[0].ExceptionMessage}");
        return desk.Open.ContainsKey("t-100") ? 0 : 1;
    }

    private static bool Notified(TicketingSystem system, string ticketId) =>
        system.Timeline.Entries.Any(e => e.StartsWith(TicketingMap.User, StringComparison.Ordinal) && e.Contains($"ticket {ticketId} opened", StringComparison.Ordinal));

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls <paramref name="condition"/> until it holds, or fails after the deadline naming what did not happen.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {Deadline.TotalSeconds:0} s: {what}.");
            }

            await Task.Delay(50);
        }
    }
}
