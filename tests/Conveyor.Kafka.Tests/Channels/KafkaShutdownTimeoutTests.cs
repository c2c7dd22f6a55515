using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>One shutdown setting: <see cref="ConveyorOptions.ShutdownTimeout"/> is how long a stopping Kafka consumer lets in-flight handlers run.</summary>
public sealed class KafkaShutdownTimeoutTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = "shutdown-timeout";

    public sealed record Stuck(string Id);

    public sealed class Blocker
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class StuckHandler(Blocker blocker)
    {
        [Asynchronous(Channel)]
        [CommandHandler(EndpointId = "shutdown.stuck")]
        public async Task Handle(Stuck message)
        {
            // Ignores cancellation on purpose: the engine's grace period, not the handler, decides when it is cancelled.
            blocker.Started.TrySetResult();
            await blocker.Release.Task;
        }
    }

    /// <summary>
    /// The Kafka engine cancelled in-flight handlers after its own ShutdownGracePeriod (10 s) while the CLI announced,
    /// and docs/cli.md promised, ConveyorOptions.ShutdownTimeout (30 s).
    /// </summary>
    [Fact]
    public async Task KafkaCancelledHandlersAfterItsOwnGracePeriod_Stop_GraceIsConveyorShutdownTimeout()
    {
        var topic = await cluster.CreateTopicAsync(1, purpose: "shutdowntimeout");
        var blocker = new Blocker();
        var logs = new CapturingLoggerProvider();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<StuckHandler>().AddKafkaChannel(Channel, topic, $"g-{topic}").Configure(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1.5)),
            s => s.AddSingleton(blocker).AddLogging(l => l.AddProvider(logs)));
        await services.GetRequiredService<ICommandBus>().SendAsync(new Stuck("s-1"));
        using var stop = new CancellationTokenSource();
        var run = services.GetRequiredService<IConsumerRunner>().RunAsync(Channel, cancellationToken: stop.Token);
        await blocker.Started.Task.WaitAsync(Eventually.DefaultTimeout);

        await stop.CancelAsync();
        await Eventually.Until(() => logs.Entries.Any(e => e.EventId == 3112), "the engine's grace period expired");
        blocker.Release.TrySetResult();
        await run.WaitAsync(Eventually.DefaultTimeout);

        logs.Entries.Single(e => e.EventId == 3112).Message.ShouldContain("after the 00:00:01.5000000 grace period");
    }
}
