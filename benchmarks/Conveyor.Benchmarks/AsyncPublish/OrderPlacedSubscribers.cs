namespace Conveyor.Benchmarks.AsyncPublish;

/// <summary>Three asynchronous subscribers, each on its own in-memory channel, doing trivial work.</summary>
public sealed class OrderPlacedSubscribers
{
    public const string Billing = "billing";
    public const string Shipping = "shipping";
    public const string Analytics = "analytics";

    public static long Handled;

    [Asynchronous(Billing)]
    [EventHandler(EndpointId = "billing.charge")]
    public void Charge(OrderPlaced order) => Handled++;

    [Asynchronous(Shipping)]
    [EventHandler(EndpointId = "shipping.prepare")]
    public void Prepare(OrderPlaced order) => Handled++;

    [Asynchronous(Analytics)]
    [EventHandler(EndpointId = "analytics.record")]
    public void Record(OrderPlaced order) => Handled++;
}
