using System.Diagnostics;
using Conveyor.Kafka.Consuming;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>Bugs the reliability tests found, each pinned by a test named after it.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class RegressionTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = "regression";
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
                o.Consuming = new KafkaConsumerOptions { ShutdownGracePeriod = TimeSpan.FromSeconds(20), CommitInterval = TimeSpan.FromMilliseconds(100) };
            }),
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
}
