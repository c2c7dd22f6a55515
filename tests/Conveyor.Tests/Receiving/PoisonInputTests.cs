using System.Text;
using Conveyor.Handlers;
using Conveyor.Testing;

namespace Conveyor.Tests.Receiving;

public sealed class PoisonInputTests
{
    [Message("stock.reserved")]
    public sealed record StockReserved(string Sku, int Quantity);

    public sealed class Handled
    {
        public List<StockReserved> Messages { get; } = [];
    }

    public sealed class Stock(Handled handled)
    {
        [Asynchronous("stock")]
        [EventHandler(EndpointId = "stock.projection")]
        public void On(StockReserved e) => handled.Messages.Add(e);
    }

    public sealed class Required
    {
        [Asynchronous("stock")]
        [EventHandler("audit.*", EndpointId = "audit")]
        public void On(StockReserved e, [Header("actor")] string actor)
        {
        }
    }

    public sealed class Prioritised
    {
        [Asynchronous("stock")]
        [EventHandler("priority.*", EndpointId = "prioritised")]
        [InstantRetry(2)]
        [DelayedRetry(3)]
        public void On(StockReserved e, [Header("priority")] int priority)
        {
        }
    }

    // Every message here is poison on purpose: the flow lets them fail, and each test asserts on the dead letter.
    private static ConveyorFlow Flow(Handled handled) =>
        ConveyorFlow.Bootstrap(
            c => c.AddHandlers(typeof(Stock), typeof(Required), typeof(Prioritised)).AddInMemoryChannel("stock"),
            s => s.AddSingleton(handled),
            new ConveyorFlowOptions { AllowFailures = true });

    private static TransportMessage Raw(string body, params (string Name, string Value)[] headers)
    {
        var map = new MessageHeaders();
        map.Set(MessageHeaderNames.MessageId, Guid.NewGuid().ToString());
        map.Set(MessageHeaderNames.ContentType, "application/json");
        foreach (var (name, value) in headers)
        {
            map.Set(name, value);
        }

        return new TransportMessage(map, Encoding.UTF8.GetBytes(body));
    }

    private static async Task<string> DeadLetterReasonFor(TransportMessage message)
    {
        var handled = new Handled();
        await using var flow = Flow(handled);
        await flow.Channel("stock").SendAsync(message, CancellationToken.None);
        await flow.Channel("stock").SendAsync(Raw("""{"sku":"ok","quantity":1}""", (MessageHeaderNames.TargetEndpoint, "stock.projection")), CancellationToken.None);

        var result = await flow.RunAsync("stock");

        result.Finished.ShouldBe(2, "the consumer goes on after the poison message");
        handled.Messages.ShouldBe([new StockReserved("ok", 1)]);
        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.Message.Body.ToArray().ShouldBe(message.Body.ToArray(), "the original bytes are kept");
        return deadLetter.ExceptionMessage;
    }

    [Fact]
    public async Task MalformedJson_DeadLetteredNamingTheTargetType()
    {
        var reason = await DeadLetterReasonFor(Raw("{not json", (MessageHeaderNames.TargetEndpoint, "stock.projection")));

        reason.ShouldContain("not a valid StockReserved");
    }

    [Fact]
    public async Task WrongShape_DeadLetteredNamingTheTargetType()
    {
        var reason = await DeadLetterReasonFor(Raw("""{"sku": 1, "quantity": "many"}""", (MessageHeaderNames.TargetEndpoint, "stock.projection")));

        reason.ShouldContain("StockReserved");
    }

    [Fact]
    public async Task EmptyBody_DeadLetteredAsEmpty()
    {
        var reason = await DeadLetterReasonFor(Raw("", (MessageHeaderNames.TargetEndpoint, "stock.projection")));

        reason.ShouldContain("empty body");
    }

    [Fact]
    public async Task UnknownEndpoint_DeadLetteredNamingIt()
    {
        var reason = await DeadLetterReasonFor(Raw("{}", (MessageHeaderNames.TargetEndpoint, "stock.removed-in-v2")));

        reason.ShouldContain("'stock.removed-in-v2'");
    }

    [Fact]
    public async Task UnknownMessageName_DeadLetteredNamingIt()
    {
        var reason = await DeadLetterReasonFor(Raw("{}", (MessageHeaderNames.MessageName, "stock.exploded")));

        reason.ShouldContain("'stock.exploded'");
    }

    [Fact]
    public async Task NoRoutingHeaders_DeadLetteredSayingSo()
    {
        var reason = await DeadLetterReasonFor(Raw("{}"));

        reason.ShouldContain("neither");
    }

    [Fact]
    public async Task UnknownContentType_DeadLetteredNamingIt()
    {
        var reason = await DeadLetterReasonFor(Raw("{}", (MessageHeaderNames.TargetEndpoint, "stock.projection"), (MessageHeaderNames.ContentType, "application/x-protobuf")));

        reason.ShouldContain("application/x-protobuf");
    }

    [Fact]
    public async Task MissingRequiredHeader_DeadLetteredNamingHeaderAndParameter()
    {
        var reason = await DeadLetterReasonFor(Raw("""{"sku":"a","quantity":1}""", (MessageHeaderNames.TargetEndpoint, "audit")));

        reason.ShouldContain("Header 'actor'");
        reason.ShouldContain("parameter 'actor'");
    }

    [Fact]
    public async Task Bug_HeaderOfTheWrongType_IsAnInvalidHeaderNotAMissingOne_DeadLetteredAtOnceNamingHeaderValueAndType()
    {
        var handled = new Handled();
        await using var flow = Flow(handled);
        await flow.Channel("stock").SendAsync(
            Raw("""{"sku":"a","quantity":1}""", (MessageHeaderNames.TargetEndpoint, "prioritised"), ("priority", "high")), CancellationToken.None);

        await flow.RunAsync("stock");

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.ExceptionType.ShouldBe(typeof(InvalidHeaderException).FullName);
        deadLetter.ExceptionMessage.ShouldContain("Header 'priority' = 'high' cannot be read as Int32 for parameter 'priority' of endpoint 'prioritised'");
        deadLetter.Attempts.ShouldBe(1, "retrying cannot fix a header, so neither instant nor delayed retries run");
        var error = flow.Failures.ShouldHaveSingleItem().Exception.ShouldBeOfType<InvalidHeaderException>();
        (error.HeaderName, error.Value, error.ExpectedType).ShouldBe(("priority", "high", typeof(int)));
    }

    [Fact]
    public async Task TypeNameHeader_NeverUsedToPickAType()
    {
        var handled = new Handled();
        await using var flow = Flow(handled);
        var message = Raw("""{"sku":"x","quantity":2}""", (MessageHeaderNames.MessageName, "stock.reserved"), ("type", "System.Diagnostics.Process, System"));

        await flow.Channel("stock").SendAsync(message, CancellationToken.None);
        await flow.RunAsync("stock");

        handled.Messages.ShouldBe([new StockReserved("x", 2)], "the type comes from the handler's parameter via the message name");
    }
}
