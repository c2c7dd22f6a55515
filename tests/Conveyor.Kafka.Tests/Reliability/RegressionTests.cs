using System.Diagnostics;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>Bugs the reliability tests found, each pinned by a test named after it.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class RegressionTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = "regression";
    private const string GatedChannel = "regression-gated";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(2);

    public sealed class FailingOnce
    {
        [Asynchronous(Channel)]
        [CommandHandler(EndpointId = "reliability.regression.fail")]
        [DelayedRetry(3, InitialDelayMs = 120_000)]
        public void Handle(Sequenced message, Recorded recorded, MessageHeaders headers)
        {
            recorded.Add("consumer", headers.MessageId!, message, 0);
            throw new InvalidOperationException($"{message.Key} fails");
        }
    }

    /// <summary>Holds every handler call until the test opens it.</summary>
    public sealed class Gate
    {
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Gated(Gate gate, Recorded recorded, ConsumerName consumer)
    {
        [Asynchronous(GatedChannel)]
        [CommandHandler(EndpointId = "reliability.regression.gated")]
        public async Task Handle(Sequenced message, MessageHeaders headers, [Header("kafka_partition")] int partition, CancellationToken cancellationToken)
        {
            await gate.Opened.Task.WaitAsync(cancellationToken);
            recorded.Add(consumer.Name, headers.MessageId!, message, partition);
        }
    }

    /// <summary>The system clock, reporting when someone starts a timer at least as long as the retry delay: a retry waiting.</summary>
    public sealed class RetryWaitWatchingClock : TimeProvider
    {
        public TaskCompletionSource RetryWaitStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime >= RetryDelay - TimeSpan.FromSeconds(10))
            {
                RetryWaitStarted.TrySetResult();
            }

            return System.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>
    /// A delayed retry waiting (in place with KafkaRetryMode.Blocking, or until a retry-topic record is due) only ended
    /// when the grace period of a revoke or shutdown ran out: every rebalance of the group waited RevokeGracePeriod
    /// (longer than the embedded cluster's session timeout, so the waiting member was evicted from the group) and a
    /// stopping consumer waited ShutdownGracePeriod.
    /// </summary>
    [Theory]
    [InlineData(KafkaRetryMode.Blocking)]
    [InlineData(KafkaRetryMode.RetryTopic)]
    public async Task RetryWaitHeldRevokeAndShutdownForTheGracePeriod_StopWhileWaiting_EndsAtOnceWithoutCommitting(KafkaRetryMode mode)
    {
        var topic = await cluster.CreateTopicAsync(1, purpose: $"regressionwait{mode}");
        var recorded = new Recorded();
        var logs = new CapturedLogs();
        var clock = new RetryWaitWatchingClock();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<FailingOnce>().AddKafkaChannel(Channel, topic, $"g-{topic}", o =>
            {
                o.RetryMode = mode;
                o.Consuming = new KafkaConsumerOptions { CommitInterval = TimeSpan.FromMilliseconds(100) };
            }).Configure(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20)),
            s => s.AddSingleton(recorded).AddSingleton<TimeProvider>(clock).AddLogging(l => l.AddProvider(logs.For("consumer"))));
        await services.GetRequiredService<ICommandBus>().SendAsync(new Sequenced("waits", 0));
        using var stop = new CancellationTokenSource();
        var run = services.GetRequiredService<IConsumerRunner>().RunAsync(Channel, cancellationToken: stop.Token);
        await clock.RetryWaitStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = Stopwatch.StartNew();
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        stopping.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "a waiting retry is no work in progress: the consumer stops without the 20 s grace period");
        logs.Has("consumer:", 3112).ShouldBeFalse("nothing was in flight that needed the grace period");
        recorded.Count.ShouldBe(1);
        var lag = (await services.GetRequiredService<IKafkaLag>().GetLagAsync(Channel)).Sum(p => p.Lag);
        lag.ShouldBe(1, "the waiting retry is not committed: in place it is the original record, else the retry topic's record");
    }

    /// <summary>
    /// Flow control paused a consumer's partitions when MaxBufferedRecords were outstanding and resumed "the current
    /// assignment" once they were done. When a rebalance revoked the paused partitions first, that resume reached
    /// an empty assignment; librdkafka keeps a partition's pause flag across revocation, so the partitions the
    /// consumer was assigned again stayed paused for good and their records were never handled.
    /// </summary>
    [Fact]
    public async Task PausedPartitionsRevokedAndAssignedAgainStayedPausedForever_AfterARebalance_TheyAreConsumed()
    {
        const int Messages = 200;
        var topic = await cluster.CreateTopicAsync(4, purpose: "regressionpaused");
        var group = $"g-{topic}";
        var gate = new Gate();
        var recorded = new Recorded();
        var logs = new CapturedLogs();
        await using var a = Build("a", new KafkaConsumerOptions { MaxBufferedRecords = 20, RevokeGracePeriod = TimeSpan.Zero, CommitInterval = TimeSpan.FromMilliseconds(100) });
        await using var b = Build("b", new KafkaConsumerOptions { CommitInterval = TimeSpan.FromMilliseconds(100) });
        var bus = a.GetRequiredService<ICommandBus>();
        for (var i = 0; i < Messages; i++)
        {
            await bus.SendAsync(new Sequenced($"p-{i:D3}", i), new Dictionary<string, string> { [MessageHeaderNames.MessageId] = $"p-{i:D3}", [MessageHeaderNames.PartitionKey] = $"p-{i:D3}" });
        }

        using var stop = new CancellationTokenSource();
        var runA = a.GetRequiredService<IConsumerRunner>().RunAsync(GatedChannel, cancellationToken: stop.Token);
        await Waits.UntilAsync(() => logs.Has("a:", 3107), "consumer a paused its partitions: 20 records are outstanding", TimeSpan.FromSeconds(30));

        // b joins: a's paused partitions are revoked (their held records cancelled at once), then some are assigned
        // to a again.
        var runB = b.GetRequiredService<IConsumerRunner>().RunAsync(GatedChannel, cancellationToken: stop.Token);
        await Waits.UntilAsync(
            () => logs.Events.Count(e => e.Category.StartsWith("a:", StringComparison.Ordinal) && e.Event.Id == 3102) >= 2,
            "consumer a was assigned partitions again after the rebalance",
            TimeSpan.FromSeconds(30));
        gate.Opened.SetResult();

        var lag = a.GetRequiredService<IKafkaLag>();
        await Waits.UntilAsync(
            () => recorded.HandledCountById.Count == Messages,
            $"all {Messages} messages are handled",
            TimeSpan.FromSeconds(30),
            state: () => $"{recorded.HandledCountById.Count} handled; by partition: {string.Join(", ", recorded.Handled.GroupBy(h => (h.Consumer, h.Partition)).OrderBy(g => g.Key).Select(g => $"{g.Key.Consumer}@{g.Key.Partition}: {g.Count()}"))}");
        await Waits.UntilLagIsZeroAsync(lag, GatedChannel, TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.WhenAll(runA, runB).WaitAsync(TimeSpan.FromSeconds(30));

        recorded.Handled.ShouldContain(h => h.Consumer == "a", "a consumes the partitions it was assigned again");

        ServiceProvider Build(string name, KafkaConsumerOptions consuming) => ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Gated>().AddKafkaChannel(GatedChannel, topic, group, o => o.Consuming = consuming),
            s => s.AddSingleton(gate).AddSingleton(recorded).AddSingleton(new ConsumerName(name))
                .AddLogging(l => l.SetMinimumLevel(LogLevel.Debug).AddProvider(logs.For(name))));
    }
}
