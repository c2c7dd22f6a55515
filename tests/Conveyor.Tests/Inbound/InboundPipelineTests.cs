using Conveyor.Testing;

namespace Conveyor.Tests.Inbound;

public sealed class InboundPipelineTests
{
    public sealed record PlaceOrder(string Id);

    public sealed record OrderPlaced(string Id);

    public sealed record Ping(string Id);

    public sealed class Journal
    {
        public List<string> Entries { get; } = [];
    }

    public sealed class FailingAfterPublish(IEventBus events, Journal journal)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        [InstantRetry(2)]
        public async Task Place(PlaceOrder command)
        {
            await events.PublishAsync(new OrderPlaced(command.Id));
            journal.Entries.Add("attempt");
            throw new InvalidOperationException("the database is down");
        }

        [Asynchronous("events")]
        [EventHandler(EndpointId = "orders.placed.audit")]
        public void Audit(OrderPlaced placed) => journal.Entries.Add("audit " + placed.Id);
    }

    public sealed class PublishingThenSucceeding(IEventBus events)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Place(PlaceOrder command)
        {
            await events.PublishAsync(new OrderPlaced(command.Id));
            await events.PublishAsync(new OrderPlaced(command.Id + "-second"));
        }

        [Asynchronous("events")]
        [EventHandler(EndpointId = "orders.placed.audit")]
        public void Audit(OrderPlaced placed)
        {
        }
    }

    public sealed class PingHandler(Journal journal)
    {
        [Asynchronous("pings")]
        [CommandHandler(EndpointId = "ping")]
        public void Handle(Ping ping) => journal.Entries.Add("ping " + ping.Id);
    }

    [Fact]
    public async Task HandlerThatPublishesThenFails_RetriedInstantly_PublishesNothing()
    {
        var journal = new Journal();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<FailingAfterPublish>().AddInMemoryChannel("orders").AddInMemoryChannel("events"),
            s => s.AddSingleton(journal));

        await flow.SendAsync(new PlaceOrder("o-1"));
        var run = await flow.RunAsync("orders", expectFailures: true);

        run.Failed.ShouldBe(1);
        journal.Entries.ShouldBe(["attempt", "attempt", "attempt"]);
        flow.RecordedMessages("events").ShouldBeEmpty("an event published by an attempt that failed never leaves, whatever the retries");
    }

    [Fact]
    public async Task HandlerThatSucceeds_MessagesItSent_LeaveInOrderAfterIt()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<PublishingThenSucceeding>().AddInMemoryChannel("orders").AddInMemoryChannel("events"));

        await flow.SendAsync(new PlaceOrder("o-1"));
        await flow.RunAsync("orders");

        flow.RecordedPayloads<OrderPlaced>("events").Select(e => e.Id).ShouldBe(["o-1", "o-1-second"]);
        var first = flow.RecordedMessages("events")[0].Headers;
        var command = flow.RecordedMessages("orders")[0].Headers;
        first.CausationId.ShouldBe(command.MessageId);
        first.CorrelationId.ShouldBe(command.CorrelationId);
    }

    [Fact]
    public async Task Bug_MessageAddressedToAnEndpointOfAnotherMessage_GoesToTheDeadLetter()
    {
        var journal = new Journal();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<PingHandler>().AddInMemoryChannel("pings"), s => s.AddSingleton(journal));
        var headers = new MessageHeaders(new Dictionary<string, string>
        {
            [MessageHeaderNames.MessageId] = MessageIds.New(),
            [MessageHeaderNames.MessageName] = MessageNames.Of(typeof(PlaceOrder)),
            [MessageHeaderNames.TargetEndpoint] = "ping",
            [MessageHeaderNames.ContentType] = "application/json",
        });
        await flow.Channel("pings").SendAsync(new TransportMessage(headers, """{"Id":"o-1"}"""u8.ToArray()), CancellationToken.None);

        var run = await flow.RunAsync("pings", expectFailures: true);

        run.Failed.ShouldBe(1);
        journal.Entries.ShouldBeEmpty("an order is never handled as a ping, however alike their JSON is");
        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionType.ShouldBe(typeof(MessageRoutingException).FullName);
        deadLetter.ExceptionMessage.ShouldContain("'ping'");
        deadLetter.ExceptionMessage.ShouldContain(MessageNames.Of(typeof(PlaceOrder)));
    }
}
