using Conveyor.Outgoing;
using Conveyor.Testing;

namespace Conveyor.Tests.Outgoing;

public sealed class OutgoingPathTests
{
    public sealed record Charge(string Id);

    public sealed record Charged(string Id);

    public sealed class Seen
    {
        public List<(OutgoingIntent Intent, string Destination, string? Name)> Messages { get; } = [];
    }

    public sealed class Recorder(Seen seen) : IOutgoingMiddleware
    {
        public ValueTask SendAsync(OutgoingMessage message, OutgoingDelegate next, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Messages.Add((message.Intent, message.Destination, message.Message.Headers.MessageName));
            }

            message.Message.Headers.Set("x-stamped", "yes");
            return next(message, cancellationToken);
        }
    }

    public sealed class Payments(IEventBus events)
    {
        [Asynchronous("payments")]
        [CommandHandler(EndpointId = "charge")]
        [DelayedRetry(1, InitialDelayMs = 1000)]
        public async Task Handle(Charge command)
        {
            await events.PublishAsync(new Charged(command.Id));
            if (command.Id == "bad")
            {
                throw new TimeoutException("gateway timeout");
            }
        }

        [Asynchronous("notifications")]
        [EventHandler(EndpointId = "charged.notify")]
        public void Notify(Charged charged)
        {
        }
    }

    [Fact]
    public async Task EveryMessageLeaving_SendRetryAndDeadLetter_PassesTheMiddleware()
    {
        var seen = new Seen();
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Payments>().AddInMemoryChannel("payments").AddInMemoryChannel("notifications").AddOutgoingMiddleware<Recorder>(),
            s => s.AddSingleton(seen));

        await flow.SendAsync(new Charge("ok"));
        await flow.SendAsync(new Charge("bad"));
        await flow.RunAsync("payments", expectFailures: true);
        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await flow.RunAsync("payments", expectFailures: true);

        var charge = MessageNames.Of(typeof(Charge));
        var charged = MessageNames.Of(typeof(Charged));
        seen.Messages.ShouldBe(
        [
            (OutgoingIntent.Send, "payments", charge),
            (OutgoingIntent.Send, "payments", charge),
            (OutgoingIntent.Send, "notifications", charged),
            (OutgoingIntent.Redeliver, "payments", charge),
            (OutgoingIntent.DeadLetter, "payments", charge),
        ]);
        flow.RecordedMessages("notifications").ShouldHaveSingleItem().Headers.Get("x-stamped").ShouldBe("yes");
        (await flow.DeadLetters.ListAsync()).Items.ShouldHaveSingleItem().Message.Headers.Get("x-stamped").ShouldBe("yes");
    }
}
