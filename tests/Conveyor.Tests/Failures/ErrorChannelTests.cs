using Conveyor.Testing;

namespace Conveyor.Tests.Failures;

public sealed class ErrorChannelTests
{
    public sealed record Ship(string OrderId);

    public sealed class Failed
    {
        public List<(string OrderId, string? Reason, string? Endpoint)> Messages { get; } = [];
    }

    public sealed class Shipping(Failed failed)
    {
        [Asynchronous("shipping")]
        [CommandHandler(EndpointId = "ship")]
        [InstantRetry(2, typeof(TimeoutException))]
        [ErrorChannel("shipping.failures")]
        public void Handle(Ship command) => throw new TimeoutException($"carrier down for {command.OrderId}");

        [InternalHandler("shipping.failures")]
        public void OnFailure(
            Ship command,
            [Header(MessageHeaderNames.ExceptionMessage)] string? reason,
            [Header(MessageHeaderNames.FailedEndpoint)] string? endpoint) =>
            failed.Messages.Add((command.OrderId, reason, endpoint));
    }

    [Fact]
    public async Task ErrorChannel_FinalFailure_GoesToTheInternalHandlerInsteadOfTheDeadLetter()
    {
        var failed = new Failed();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Shipping>().AddInMemoryChannel("shipping"), s => s.AddSingleton(failed));
        await flow.SendAsync(new Ship("o-7"));

        var result = await flow.RunAsync("shipping", expectFailures: true);

        failed.Messages.ShouldBe([("o-7", "carrier down for o-7", "ship")]);
        result.Failed.ShouldBe(1);
        (await flow.DeadLetters.ListAsync()).Items.ShouldBeEmpty();
    }

    public sealed class Counting
    {
        public int Calls { get; set; }
    }

    public sealed class Flaky(Counting counting)
    {
        [CommandHandler]
        [InstantRetry(2, typeof(TimeoutException))]
        public void Handle(Ship command)
        {
            if (++counting.Calls < 3)
            {
                throw new TimeoutException("flaky");
            }
        }
    }

    [Fact]
    public async Task InstantRetry_SyncHandler_RetriesListedExceptionsInProcess()
    {
        var counting = new Counting();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Flaky>(), s => s.AddSingleton(counting));

        await flow.SendAsync(new Ship("o-1"));

        counting.Calls.ShouldBe(3);
    }

    public sealed class WrongException(Counting counting)
    {
        [CommandHandler]
        [InstantRetry(5, typeof(TimeoutException))]
        public void Handle(Ship command)
        {
            counting.Calls++;
            throw new ArgumentException("not transient");
        }
    }

    [Fact]
    public async Task InstantRetry_UnlistedException_NotRetried()
    {
        var counting = new Counting();
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<WrongException>(), s => s.AddSingleton(counting));

        await Should.ThrowAsync<ArgumentException>(async () => await flow.SendAsync(new Ship("o-1")));

        counting.Calls.ShouldBe(1);
    }
}
