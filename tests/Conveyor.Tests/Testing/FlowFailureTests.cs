using Conveyor.Testing;

namespace Conveyor.Tests.Testing;

/// <summary>A message that fails in a flow fails the test, unless the test says it expects failures.</summary>
public sealed class FlowFailureTests
{
    [Message("billing.charge")]
    public sealed record Charge(string OrderId);

    public sealed record Refund(string OrderId);

    public sealed class Billing
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "billing.charge")]
        [DelayedRetry(2, InitialDelayMs = 1000)]
        public void Handle(Charge command) => throw new InvalidOperationException($"The card for {command.OrderId} was declined.");

        [Asynchronous("refunds")]
        [CommandHandler(EndpointId = "billing.refund")]
        public void Handle(Refund command) => throw new TimeoutException($"The bank did not answer for {command.OrderId}.");
    }

    private static ConveyorFlow Flow(ConveyorFlowOptions? options = null) =>
        ConveyorFlow.Bootstrap(c => c.AddHandler<Billing>().AddInMemoryChannel("payments").AddInMemoryChannel("refunds"), options: options);

    [Fact]
    public async Task Bug_FlowRun_HandlerThrowsAndADelayedRetryIsScheduled_FailsTheTestNamingEndpointAndMessage()
    {
        await using var flow = Flow();
        await flow.SendAsync(new Charge("o-1"));

        var error = await Should.ThrowAsync<FlowFailedException>(() => flow.RunAsync("payments"));

        error.InnerException.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("The card for o-1 was declined.");
        error.Message.ShouldContain("'billing.charge'");
        error.Message.ShouldContain("endpoint 'billing.charge'");
        error.Message.ShouldContain("delayed retry");
        error.Message.ShouldContain("expectFailures: true");
        error.Failures.ShouldHaveSingleItem().Kind.ShouldBe(FlowFailureKind.DelayedRetryScheduled);
    }

    [Fact]
    public async Task Bug_FlowRun_HandlerFinallyFailsToTheDeadLetter_FailsTheTest()
    {
        await using var flow = Flow();
        await flow.SendAsync(new Refund("o-2"));

        var error = await Should.ThrowAsync<FlowFailedException>(() => flow.RunAsync("refunds"));

        error.InnerException.ShouldBeOfType<TimeoutException>();
        var failure = error.Failures.ShouldHaveSingleItem();
        failure.Kind.ShouldBe(FlowFailureKind.FinallyFailed);
        failure.Endpoint.ShouldBe("billing.refund");
        failure.Channel.ShouldBe("refunds");
        failure.Destination.ShouldBe("the dead letter");
        error.Message.ShouldContain("'Refund'");
    }

    [Fact]
    public async Task FlowRun_ExpectFailures_ReturnsAndExposesEveryFailure()
    {
        await using var flow = Flow();
        await flow.SendAsync(new Charge("o-3"));

        await flow.RunAsync("payments", expectFailures: true);
        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await flow.RunAsync("payments", expectFailures: true);
        flow.AdvanceTime(TimeSpan.FromSeconds(2));
        await flow.RunAsync("payments", expectFailures: true);

        flow.Failures.Select(f => (f.Kind, f.Attempt)).ShouldBe(
            [(FlowFailureKind.DelayedRetryScheduled, 1), (FlowFailureKind.DelayedRetryScheduled, 2), (FlowFailureKind.FinallyFailed, 3)]);
        flow.Failures.ShouldAllBe(f => f.Endpoint == "billing.charge" && f.MessageName == "billing.charge" && f.Exception is InvalidOperationException);
        (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem().EndpointId.ShouldBe("billing.charge");
    }

    [Fact]
    public async Task Flow_AllowFailuresOption_RunsReturnAndFailuresAreExposed()
    {
        await using var flow = Flow(new ConveyorFlowOptions { AllowFailures = true });
        await flow.SendAsync(new Refund("o-4"));

        var result = await flow.RunAsync("refunds");

        result.Failed.ShouldBe(1);
        flow.Failures.ShouldHaveSingleItem().Exception.ShouldBeOfType<TimeoutException>();
    }

    [Fact]
    public async Task FlowRun_AFailureOnAnotherChannelEarlier_DoesNotFailALaterRunOfAHealthyChannel()
    {
        await using var flow = Flow();
        await flow.SendAsync(new Refund("o-5"));
        await Should.ThrowAsync<FlowFailedException>(() => flow.RunAsync("refunds"));

        var result = await flow.RunAsync("payments");

        result.Finished.ShouldBe(0);
    }
}
