namespace Conveyor.Kafka.OutboxApp;

/// <summary>The event the outbox app commits with each order; the crash tests consume it.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Customer">The partition key: a customer's events are relayed in order.</param>
/// <param name="Sequence">The order's number within its customer.</param>
public sealed record OrderPlaced(string OrderId, string Customer, int Sequence);

/// <summary>Names both sides use.</summary>
public static class OutboxContract
{
    /// <summary>The Conveyor channel of the events.</summary>
    public const string Channel = "order-events";

    /// <summary>The endpoint that handles the events (in the tests' process): the events are addressed to it.</summary>
    public const string Endpoint = "shipping.on_order_placed";

    /// <summary>The line the app writes once every order committed.</summary>
    public const string Committed = "committed";
}
