using Conveyor.Testing;

namespace Conveyor.Tests.Failures;

public sealed class DelayedRetryTests
{
    public sealed record Charge(string Id);

    public sealed class Attempts
    {
        public List<DateTimeOffset> At { get; } = [];
    }

    public sealed class ChargeHandler(Attempts attempts, TimeProvider time)
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "charge")]
        [DelayedRetry(3, InitialDelayMs = 1000, Multiplier = 2)]
        public void Handle(Charge command)
        {
            attempts.At.Add(time.GetUtcNow());
            throw new TimeoutException("gateway timeout");
        }
    }

    [Fact]
    public async Task DelayedRetry_ExponentialBackoff_WaitsForTheClockBeforeEachAttempt()
    {
        var attempts = new Attempts();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<ChargeHandler>().AddInMemoryChannel("payments"), s => s.AddSingleton(attempts), new ConveyorFlowOptions { AllowFailures = true });
        var start = flow.Clock.GetUtcNow();
        await flow.SendAsync(new Charge("c-1"));

        await flow.RunAsync("payments");
        attempts.At.Count.ShouldBe(1);

        flow.AdvanceTime(TimeSpan.FromMilliseconds(999));
        await flow.RunAsync("payments");
        attempts.At.Count.ShouldBe(1, "the first retry waits a full second");

        flow.AdvanceTime(TimeSpan.FromMilliseconds(1));
        await flow.RunAsync("payments");
        attempts.At.Count.ShouldBe(2);

        flow.AdvanceTime(TimeSpan.FromMilliseconds(1999));
        await flow.RunAsync("payments");
        attempts.At.Count.ShouldBe(2, "the second retry waits two seconds");

        flow.AdvanceTime(TimeSpan.FromMilliseconds(1));
        await flow.RunAsync("payments");
        flow.AdvanceTime(TimeSpan.FromSeconds(4));
        await flow.RunAsync("payments");

        attempts.At.Select(a => a - start).ShouldBe([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7)]);
        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.Attempts.ShouldBe(4);
        deadLetter.Message.Headers.Get(MessageHeaderNames.ExceptionMessage).ShouldBe("gateway timeout");
    }
}
