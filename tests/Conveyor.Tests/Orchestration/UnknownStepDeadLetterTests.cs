using Conveyor.Testing;

namespace Conveyor.Tests.Orchestration;

public sealed class UnknownStepDeadLetterTests
{
    public sealed record Route(string OrderId, string[] Steps);

    public sealed class Router(IOrchestrator orchestrator)
    {
        // A slip built at run time from the message, inside an asynchronous handler, retried instantly on failure.
        [Asynchronous("routing")]
        [InstantRetry(3)]
        [CommandHandler(EndpointId = "lead.route")]
        public async Task Handle(Route route) => await orchestrator.SendAsync(route.OrderId, route.Steps);

        [InternalHandler("lead.known")]
        public string Known(string orderId) => orderId;
    }

    [Fact]
    public async Task RunTimeSlip_UnknownStepInAReceivedMessage_DeadLetteredWithTheNameAtOnce()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Router>().AddInMemoryChannel("routing"), options: new ConveyorFlowOptions { AllowFailures = true });
        await flow.SendAsync(new Route("o-1", ["lead.known", "lead.unknown"]));

        await flow.RunAsync("routing");

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.EndpointId.ShouldBe("lead.route");
        deadLetter.ExceptionMessage.ShouldContain("'lead.unknown'");
        deadLetter.Attempts.ShouldBe(1, "retrying cannot make the step exist");
        flow.Orchestrations.ShouldBeEmpty("no step ran");
    }
}
