using Conveyor;
using DistributedTicketing.Contracts;

namespace DistributedTicketing.Users;

public sealed record RegisterUser(string UserId, string Email);

/// <summary>The user service: registers users and tells the others; hears when a ticket is opened for a user.</summary>
public sealed class UserService(IDistributedBus bus, Timeline timeline)
{
    /// <summary>A local command: the event leaves once this handler succeeded.</summary>
    [CommandHandler]
    public async Task Register(RegisterUser command)
    {
        timeline.Add(TicketingMap.User, $"registered {command.UserId}");
        await bus.PublishEventAsync(RoutingKeys.UserRegistered, new UserRegistered(command.UserId, command.Email));
    }

    [Distributed]
    [EventHandler(RoutingKeys.TicketOpened)]
    public void OnTicketOpened(TicketOpened @event) =>
        timeline.Add(TicketingMap.User, $"notified {@event.UserId}: ticket {@event.TicketId} opened ({@event.Reason})");
}
