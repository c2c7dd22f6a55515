namespace DistributedTicketing.Contracts;

/// <summary>The routing keys services address each other by: the contract, not the CLR types on either side.</summary>
public static class RoutingKeys
{
    public const string UserRegistered = "user.registered";
    public const string CreateTicket = "ticket.create";
    public const string CloseTicket = "ticket.close";
    public const string TicketOpened = "ticket.opened";
    public const string OrderCancelled = "order.cancelled";
}

public sealed record UserRegistered(string UserId, string Email);

public sealed record CreateTicket(string TicketId, string UserId, string Problem);

public sealed record CloseTicket(string TicketId);

public sealed record TicketOpened(string TicketId, string UserId, string Reason);

public sealed record OrderCancelled(string OrderId, string UserId);
