using Conveyor.Testing;

namespace Conveyor.Tests.Failures;

public sealed class FinalFailureStrategyTests
{
    public sealed record Work(int Number);

    public sealed class Log
    {
        public List<int> Handled { get; } = [];

        public HashSet<int> Poison { get; } = [];
    }

    public sealed class Worker(Log log)
    {
        [Asynchronous("work")]
        [CommandHandler(EndpointId = "worker")]
        public void Handle(Work work)
        {
            if (log.Poison.Contains(work.Number))
            {
                throw new InvalidOperationException($"poison {work.Number}");
            }

            log.Handled.Add(work.Number);
        }
    }

    private static async Task<(ConveyorFlow Flow, Log Log)> Setup(FinalFailureStrategy strategy)
    {
        var log = new Log { Poison = { 2 } };
        var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<Worker>()
                .AddInMemoryChannel("work", o => o.FinalFailureStrategy = strategy)
                .Configure(o => o.DeadLetterEnabled = false),
            s => s.AddSingleton(log),
            new ConveyorFlowOptions { AllowFailures = true });
        foreach (var n in new[] { 1, 2, 3 })
        {
            await flow.SendAsync(new Work(n));
        }

        return (flow, log);
    }

    [Fact]
    public async Task Release_PoisonMessage_StaysAtHeadAndBlocksWhatFollows()
    {
        var (flow, log) = await Setup(FinalFailureStrategy.Release);
        await using var _ = flow;

        await flow.RunAsync("work");

        log.Handled.ShouldBe([1]);
        flow.Channel("work").Count.ShouldBe(2);

        log.Poison.Clear();
        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        await flow.RunAsync("work");
        log.Handled.ShouldBe([1, 2, 3], "the released message is redelivered first, keeping order");
    }

    [Fact]
    public async Task Resend_PoisonMessage_AppendedAtTheEndAndTheRestGoesOn()
    {
        var (flow, log) = await Setup(FinalFailureStrategy.Resend);
        await using var _ = flow;

        await flow.RunAsync("work", new ConsumerRunOptions { MaxMessages = 3 });

        log.Handled.ShouldBe([1, 3]);
        flow.Channel("work").Count.ShouldBe(1);
        flow.RecordedMessages("work").Count.ShouldBe(4, "three sends and one re-append");

        log.Poison.Clear();
        await flow.RunAsync("work");
        log.Handled.ShouldBe([1, 3, 2]);
    }

    [Fact]
    public async Task Ignore_PoisonMessage_DroppedAndTheRestGoesOn()
    {
        var (flow, log) = await Setup(FinalFailureStrategy.Ignore);
        await using var _ = flow;

        var result = await flow.RunAsync("work");

        log.Handled.ShouldBe([1, 3]);
        result.Finished.ShouldBe(3);
        result.Failed.ShouldBe(1);
        flow.Channel("work").Count.ShouldBe(0);
    }

    [Fact]
    public async Task Stop_PoisonMessage_StopsTheConsumerWithoutAcknowledging()
    {
        var (flow, log) = await Setup(FinalFailureStrategy.Stop);
        await using var _ = flow;

        var result = await flow.RunAsync("work");

        log.Handled.ShouldBe([1]);
        result.StopReason.ShouldContain("stopped on message");
        flow.Channel("work").Count.ShouldBe(2, "the poison message and the one after it are still there");

        log.Poison.Clear();
        await flow.RunAsync("work");
        log.Handled.ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task FinalFailureAttribute_OverridesTheChannelStrategy()
    {
        await using var flow = ConveyorFlow.Bootstrap(
            c => c.AddHandler<IgnoringWorker>().AddInMemoryChannel("work", o => o.FinalFailureStrategy = FinalFailureStrategy.Stop).Configure(o => o.DeadLetterEnabled = false),
            options: new ConveyorFlowOptions { AllowFailures = true });
        await flow.SendAsync(new Work(1));
        await flow.SendAsync(new Work(2));

        var result = await flow.RunAsync("work");

        result.Finished.ShouldBe(2);
        result.StopReason.ShouldBe("channel empty");
    }

    public sealed class IgnoringWorker
    {
        [Asynchronous("work")]
        [CommandHandler(EndpointId = "ignoring")]
        [FinalFailure(FinalFailureStrategy.Ignore)]
        public void Handle(Work work) => throw new InvalidOperationException("always");
    }
}
