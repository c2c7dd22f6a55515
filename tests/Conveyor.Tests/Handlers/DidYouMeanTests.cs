using Conveyor.Testing;

namespace Conveyor.Tests.Handlers;

/// <summary>An unknown channel or endpoint name at start-up or in a run suggests the registered name it is closest to.</summary>
public sealed class DidYouMeanTests
{
    public sealed record Ping;

    public sealed record Pong;

    public sealed class TypoInAsynchronous
    {
        [Asynchronous("order")]
        [CommandHandler(EndpointId = "typo.asynchronous")]
        public void Handle(Ping p)
        {
        }
    }

    public sealed class TypoInOutputChannel
    {
        [CommandHandler(EndpointId = "typo.output", OutputChannel = "shiping")]
        public Pong Handle(Ping p) => new();
    }

    public sealed class TypoInErrorChannel
    {
        [CommandHandler(EndpointId = "typo.error")]
        [ErrorChannel("order-failures")]
        public void Handle(Ping p)
        {
        }
    }

    public sealed class FailureHandler
    {
        [InternalHandler("order_failures", EndpointId = "failures.log")]
        public void Handle(Ping failed)
        {
        }
    }

    public sealed class FarFromEverything
    {
        [CommandHandler(EndpointId = "far.output", OutputChannel = "analytics")]
        public Pong Handle(Ping p) => new();
    }

    public sealed class Worker
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.worker")]
        public void Handle(Pong p)
        {
        }
    }

    private static string ErrorFor(params Type[] handlers) =>
        Should.Throw<ConveyorConfigurationException>(() => ConveyorFlow.Bootstrap(c => c.AddHandlers(handlers).AddInMemoryChannel("orders").AddInMemoryChannel("shipping"))).Message;

    [Fact]
    public void Bug_UnknownAsynchronousChannel_SuggestsTheClosestRegisteredChannel() =>
        ErrorFor(typeof(TypoInAsynchronous)).ShouldContain("typo.asynchronous: [Asynchronous(\"order\")] names a channel that is not registered. Did you mean 'orders'? Register it");

    [Fact]
    public void Bug_UnknownOutputChannel_SuggestsTheClosestRegisteredChannel() =>
        ErrorFor(typeof(TypoInOutputChannel)).ShouldContain("OutputChannel \"shiping\" is neither a registered channel nor the input channel of an [InternalHandler]. Did you mean 'shipping'?");

    [Fact]
    public void Bug_UnknownErrorChannel_SuggestsTheClosestInternalHandlerInput() =>
        ErrorFor(typeof(TypoInErrorChannel), typeof(FailureHandler)).ShouldContain("[ErrorChannel(\"order-failures\")] is neither a registered channel nor the input channel of an [InternalHandler]. Did you mean 'order_failures'?");

    [Fact]
    public void UnknownChannel_NothingClose_SuggestsNothing() =>
        ErrorFor(typeof(FarFromEverything)).ShouldNotContain("Did you mean");

    [Theory]
    [InlineData("order", "'orders'")]
    [InlineData("orders.wroker", "'orders.worker'")]
    [InlineData("ORDERS", "'orders'")]
    public async Task Bug_ConsumerRunner_UnknownName_SuggestsTheClosestChannelOrEndpoint(string name, string suggestion)
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Worker>().AddInMemoryChannel("orders").AddInMemoryChannel("shipping"));

        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => flow.RunAsync(name));

        error.Message.ShouldContain($"There is no consumer named '{name}'. Did you mean {suggestion}? Run one of: orders, shipping");
    }
}
