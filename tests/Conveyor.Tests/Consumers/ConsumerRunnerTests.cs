using Conveyor.Testing;

namespace Conveyor.Tests.Consumers;

public sealed class ConsumerRunnerTests
{
    public sealed record Work(string Id);

    /// <summary>Lets a test see when the handler started and decide when it may finish.</summary>
    public sealed class Gate
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Completed { get; } = [];
    }

    public sealed class SlowHandler(Gate gate)
    {
        [Asynchronous("work")]
        [CommandHandler(EndpointId = "work.slow")]
        public async Task Handle(Work work, CancellationToken cancellationToken)
        {
            gate.Started.TrySetResult();
            await gate.Release.Task.WaitAsync(cancellationToken);
            gate.Completed.Add(work.Id);
        }
    }

    private static ConveyorFlow Flow(TimeSpan? shutdownTimeout = null) =>
        ConveyorFlow.Bootstrap(
            c =>
            {
                c.AddHandler<SlowHandler>().AddInMemoryChannel("work");
                if (shutdownTimeout is { } timeout)
                {
                    c.Configure(o => o.ShutdownTimeout = timeout);
                }
            },
            s => s.AddSingleton<Gate>());

    // Regression: stopping a consumer cancelled the token of the handler that was running, so a handler that honours its
    // CancellationToken was aborted and its message released instead of finishing; ShutdownTimeout was never used.
    [Fact]
    public async Task StoppingConsumer_DoesNotCancelInFlightHandler()
    {
        await using var flow = Flow();
        var gate = flow.Services.GetRequiredService<Gate>();
        await flow.SendAsync(new Work("w-1"));
        using var stop = new CancellationTokenSource();

        var run = flow.Services.GetRequiredService<IConsumerRunner>().RunAsync("work", cancellationToken: stop.Token);
        await gate.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        gate.Release.SetResult();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        gate.Completed.ShouldBe(["w-1"]);
        result.Finished.ShouldBe(1);
        result.StopReason.ShouldBe("cancelled");
        flow.Channel("work").Count.ShouldBe(0);
    }

    [Fact]
    public async Task StoppingConsumer_HandlerOutlivesShutdownTimeout_IsCancelledAndMessageKept()
    {
        await using var flow = Flow(TimeSpan.FromSeconds(5));
        var gate = flow.Services.GetRequiredService<Gate>();
        await flow.SendAsync(new Work("w-1"));
        using var stop = new CancellationTokenSource();

        var run = flow.Services.GetRequiredService<IConsumerRunner>().RunAsync("work", cancellationToken: stop.Token);
        await gate.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        flow.AdvanceTime(TimeSpan.FromSeconds(4));
        run.IsCompleted.ShouldBeFalse();
        flow.AdvanceTime(TimeSpan.FromSeconds(1));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        gate.Completed.ShouldBeEmpty();
        result.Finished.ShouldBe(0);
        flow.Channel("work").Count.ShouldBe(1);
    }
}
