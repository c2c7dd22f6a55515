using Conveyor.Outgoing;
using Conveyor.Testing;

namespace Conveyor.Tests.Failures;

public sealed class DeadLetterWriteFailureTests
{
    public sealed record Charge(string Id);

    public sealed class Failing
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "charge")]
        [FinalFailure(FinalFailureStrategy.Ignore)]
        public void Handle(Charge command) => throw new InvalidOperationException("card declined");
    }

    /// <summary>A dead-letter destination that is down.</summary>
    public sealed class DeadLetterDown : IOutgoingMiddleware
    {
        public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken) =>
            message.Intent == OutgoingIntent.DeadLetter ? throw new IOException("dead-letter store unreachable") : next(message, cancellationToken);
    }

    [Fact]
    public async Task DeadLetterWriteFails_CountedInTheConsumerStatus_AndTheFinalStrategyDecides()
    {
        await using var flow = ConveyorFlow.Bootstrap(c => c.AddHandler<Failing>().AddInMemoryChannel("payments").AddOutgoingMiddleware<DeadLetterDown>());

        await flow.SendAsync(new Charge("c-1"));
        var run = await flow.RunAsync("payments", expectFailures: true);

        run.Failed.ShouldBe(1, "the Ignore strategy resolved the message the dead letter could not take");
        flow.Services.GetRequiredService<IConsumerStatusRegistry>().Find("payments").ShouldNotBeNull().FailedDeadLetterWrites.ShouldBe(1);
    }
}
