using System.Collections.Concurrent;
using Conveyor;
using DistributedTicketing.Contracts;

namespace DistributedTicketing.Tickets;

/// <summary>The ticket service's tickets.</summary>
public sealed class TicketDesk
{
    public ConcurrentDictionary<string, string> Open { get; } = new();
}

/// <summary>The ticket service: other services create tickets through it; it opens one for each new user and cancelled order.</summary>
public sealed class TicketService(TicketDesk desk, IDistributedBus bus, Timeline timeline)
{
    [Distributed]
    [CommandHandler(RoutingKeys.CreateTicket)]
    public Task Create(CreateTicket command) => OpenAsync(command.TicketId, command.UserId, command.Problem);

    /// <summary>Internal only: not [Distributed], so a close sent by another service is dead-lettered here.</summary>
    [CommandHandler(RoutingKeys.CloseTicket)]
    public void Close(CloseTicket command) => desk.Open.TryRemove(command.TicketId, out _);

    [Distributed]
    [EventHandler("user.*")]
    public Task OnUserRegistered(UserRegistered @event) => OpenAsync($"welcome-{@event.UserId}", @event.UserId, "onboarding call");

    [Distributed]
    [EventHandler(RoutingKeys.OrderCancelled)]
    public Task OnOrderCancelled(OrderCancelled @event) => OpenAsync($"refund-{@event.OrderId}", @event.UserId, $"refund for {@event.OrderId}");

    private async Task OpenAsync(string ticketId, string userId, string reason)
    {
        desk.Open[ticketId] = reason;
        timeline.Add(TicketingMap.Ticket, $"opened {ticketId} for {userId}: {reason}");
        await bus.PublishEventAsync(RoutingKeys.TicketOpened, new TicketOpened(ticketId, userId, reason));
    }
}
