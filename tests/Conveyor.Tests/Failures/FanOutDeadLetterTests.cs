using System.Text;
using Conveyor.Testing;

namespace Conveyor.Tests.Failures;

/// <summary>
/// A foreign message (no target endpoint) that two asynchronous endpoints subscribe to is fanned out into one copy per
/// endpoint, with the same message id. When both fail, each endpoint's failure is a dead letter of its own.
/// </summary>
public sealed class FanOutDeadLetterTests
{
    [Message("shipment.dispatched")]
    public sealed record ShipmentDispatched(string ShipmentId);

    public sealed class Partners
    {
        public bool Down { get; set; } = true;

        public List<string> Notified { get; } = [];
    }

    public sealed class Subscribers(Partners partners)
    {
        [Asynchronous("shipments")]
        [EventHandler(EndpointId = "carrier.notify")]
        public void NotifyCarrier(ShipmentDispatched e) => Notify("carrier", e);

        [Asynchronous("shipments")]
        [EventHandler(EndpointId = "customer.notify")]
        public void NotifyCustomer(ShipmentDispatched e) => Notify("customer", e);

        private void Notify(string who, ShipmentDispatched e)
        {
            if (partners.Down)
            {
                throw new InvalidOperationException($"{who} API down");
            }

            partners.Notified.Add($"{who}:{e.ShipmentId}");
        }
    }

    [Fact]
    public async Task ForeignMessage_TwoSubscribersBothFail_TwoDeadLettersBothListableAndReplayable()
    {
        var partners = new Partners();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Subscribers>().AddInMemoryChannel("shipments"), s => s.AddSingleton(partners), new ConveyorFlowOptions { AllowFailures = true });
        var foreign = new TransportMessage(
            new MessageHeaders([new(MessageHeaderNames.MessageId, "foreign-1"), new(MessageHeaderNames.MessageName, "shipment.dispatched"), new(MessageHeaderNames.ContentType, "application/json")]),
            Encoding.UTF8.GetBytes("""{"shipmentId":"s-1"}"""));
        await flow.Channel("shipments").SendAsync(foreign, CancellationToken.None);

        await flow.RunAsync("shipments");

        var deadLetters = (await flow.DeadLetters.ListAsync()).Items;
        deadLetters.Select(d => d.EndpointId).Order().ShouldBe(["carrier.notify", "customer.notify"]);
        deadLetters.ShouldAllBe(d => d.MessageId == "foreign-1");
        deadLetters.Select(d => d.Id).Distinct().Count().ShouldBe(2);
        foreach (var deadLetter in deadLetters)
        {
            (await flow.DeadLetters.GetAsync(deadLetter.Id)).ShouldNotBeNull().EndpointId.ShouldBe(deadLetter.EndpointId);
        }

        partners.Down = false;
        foreach (var deadLetter in deadLetters)
        {
            await flow.DeadLetters.ReplayAsync(deadLetter.Id);
        }

        await flow.RunAsync("shipments");

        partners.Notified.Order().ShouldBe(["carrier:s-1", "customer:s-1"]);
        (await flow.DeadLetters.ListAsync()).Items.ShouldBeEmpty();
    }
}
