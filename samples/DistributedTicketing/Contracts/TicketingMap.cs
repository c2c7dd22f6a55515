using Conveyor;

namespace DistributedTicketing.Contracts;

/// <summary>
/// The service map the three services share — in a real system a small package every service references, the one
/// place that says who talks to whom. Each service has one Kafka topic (its channel) and reads it with its own group.
/// </summary>
public static class TicketingMap
{
    public const string User = "user";
    public const string Ticket = "ticket";
    public const string Order = "order";

    /// <summary>The map: ticket wants user events and cancelled orders; order wants user events; user ignores order's events.</summary>
    public static ServiceMap Create() => new ServiceMap { Name = "ticketing" }
        .AddService(User, "ticketing.user", s => s.ExcludedPublishers.Add(Order))
        .AddService(Ticket, "ticketing.ticket", s =>
        {
            s.SubscriptionKeys.Add("user.*");
            s.SubscriptionKeys.Add("order.cancelled");
        })
        .AddService(Order, "ticketing.order", s => s.SubscriptionKeys.Add("user.*"));
}
