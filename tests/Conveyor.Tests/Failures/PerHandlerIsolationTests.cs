using Conveyor.Testing;

namespace Conveyor.Tests.Failures;

public sealed class PerHandlerIsolationTests
{
    public sealed record OrderPlaced(string OrderId);

    public sealed class Calls
    {
        private readonly Dictionary<string, int> _counts = [];

        public int FailuresLeft { get; set; }

        public void Record(string who)
        {
            lock (_counts)
            {
                _counts[who] = _counts.GetValueOrDefault(who) + 1;
            }
        }

        public int Count(string who)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(who);
            }
        }
    }

    public sealed class Subscribers(Calls calls)
    {
        [Asynchronous("notifications")]
        [EventHandler(EndpointId = "email")]
        public void Email(OrderPlaced e) => calls.Record("email");

        [Asynchronous("matching")]
        [EventHandler(EndpointId = "matching")]
        [DelayedRetry(2, InitialDelayMs = 1000)]
        public void Matching(OrderPlaced e)
        {
            calls.Record("matching");
            if (calls.FailuresLeft-- > 0)
            {
                throw new InvalidOperationException("partner API unavailable");
            }
        }

        [Asynchronous("analytics")]
        [EventHandler(EndpointId = "analytics")]
        public void Analytics(OrderPlaced e) => calls.Record("analytics");
    }

    // A subscriber fails on purpose: what is checked is that it fails alone.
    private static ConveyorFlow Flow(Calls calls) => ConveyorFlow.Bootstrap(
        c => c.AddHandler<Subscribers>().AddInMemoryChannel("notifications").AddInMemoryChannel("matching").AddInMemoryChannel("analytics"),
        s => s.AddSingleton(calls),
        new ConveyorFlowOptions { AllowFailures = true });

    private static async Task RunAll(ConveyorFlow flow)
    {
        await flow.RunAsync("notifications");
        await flow.RunAsync("matching");
        await flow.RunAsync("analytics");
    }

    [Fact]
    public async Task PublishAsync_ThreeAsyncSubscribers_SendsOneMessageAddressedToEachEndpoint()
    {
        await using var flow = Flow(new Calls());

        await flow.PublishAsync(new OrderPlaced("o-1"));

        flow.RecordedMessages("notifications").Single().Headers.TargetEndpoint.ShouldBe("email");
        flow.RecordedMessages("matching").Single().Headers.TargetEndpoint.ShouldBe("matching");
        flow.RecordedMessages("analytics").Single().Headers.TargetEndpoint.ShouldBe("analytics");
        flow.RecordedPayloads<OrderPlaced>("analytics").Single().OrderId.ShouldBe("o-1");
    }

    [Fact]
    public async Task FailingSubscriber_RetriedAlone_SiblingsRunOnce()
    {
        var calls = new Calls { FailuresLeft = 2 };
        await using var flow = Flow(calls);
        await flow.PublishAsync(new OrderPlaced("o-1"));

        await RunAll(flow);
        calls.Count("matching").ShouldBe(1);
        flow.Channel("matching").ScheduledCount.ShouldBe(1);

        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await RunAll(flow);
        calls.Count("matching").ShouldBe(2);

        flow.AdvanceTime(TimeSpan.FromSeconds(2));
        await RunAll(flow);

        calls.Count("matching").ShouldBe(3);
        calls.Count("email").ShouldBe(1);
        calls.Count("analytics").ShouldBe(1);
        (await flow.DeadLetters.ListAsync()).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task FailingSubscriber_RetriesExhausted_DeadLetteredAloneWithReason()
    {
        var calls = new Calls { FailuresLeft = int.MaxValue };
        await using var flow = Flow(calls);
        await flow.PublishAsync(new OrderPlaced("o-1"));

        for (var i = 0; i < 3; i++)
        {
            await RunAll(flow);
            flow.AdvanceTime(TimeSpan.FromSeconds(4));
        }

        var deadLetter = (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem();
        deadLetter.EndpointId.ShouldBe("matching");
        deadLetter.ExceptionMessage.ShouldBe("partner API unavailable");
        deadLetter.ExceptionType.ShouldBe(typeof(InvalidOperationException).FullName);
        deadLetter.Attempts.ShouldBe(3);
        calls.Count("matching").ShouldBe(3);
        calls.Count("email").ShouldBe(1);
        calls.Count("analytics").ShouldBe(1);
    }
}
