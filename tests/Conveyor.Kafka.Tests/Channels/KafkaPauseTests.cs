using Conveyor.Channels;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// <see cref="IConsumerRunner.PauseAsync"/> on a Kafka channel: its partitions are paused, stay paused across a
/// rebalance (KafkaFlow #581: a paused consumer's new assignment came back unpaused), and resume where they left off.
/// </summary>
public sealed class KafkaPauseTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = "pausable";

    // How long a paused consumer must hand out nothing while its messages wait in the topic: an unpaused one takes
    // them within one poll (100 ms). Not a synchronisation — what it waits for is that nothing happens.
    private static readonly TimeSpan QuietWindow = TimeSpan.FromSeconds(2);

    public sealed record Work(string Id);

    public sealed class Handled
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    public sealed class WorkHandler(Handled handled)
    {
        [Asynchronous(Channel)]
        [CommandHandler(EndpointId = "pausable.work")]
        public void Handle(Work message) => handled.Add();
    }

    [Fact]
    public async Task PauseAsync_MessagesProducedWhilePausedAndGroupRebalances_NoneHandledUntilResumeThenAll()
    {
        const int waiting = 20;
        var topic = await cluster.CreateTopicAsync(3, purpose: "pause");
        var (handledA, handledB) = (new Handled(), new Handled());
        await using var a = Member(topic, handledA);
        await using var b = Member(topic, handledB);
        var runnerA = a.GetRequiredService<IConsumerRunner>();
        var statusA = a.GetRequiredService<IConsumerStatusRegistry>();
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();

        var runA = runnerA.RunAsync(Channel, cancellationToken: stopA.Token);
        await Eventually.Until(() => Partitions(statusA) == 3, "a is assigned every partition");
        var bus = a.GetRequiredService<ICommandBus>();
        await bus.SendAsync(new Work("before"));
        await Eventually.Until(() => handledA.Count == 1, "a handles a message before the pause");

        await runnerA.PauseAsync(Channel).WaitAsync(Eventually.DefaultTimeout);
        statusA.Find(Channel)!.IsPaused.ShouldBeTrue();
        for (var i = 0; i < waiting; i++)
        {
            await bus.SendAsync(new Work($"w-{i}"));
        }

        var channel = (IReceivingChannel)Channels(a).Single(c => c.Name == Channel);
        await EventuallyLag(channel, waiting, "the produced messages wait in the topic");

        // A second member, paused before it starts, joins and leaves: a's partitions are revoked and assigned again.
        var runnerB = b.GetRequiredService<IConsumerRunner>();
        await runnerB.PauseAsync(Channel);
        var runB = runnerB.RunAsync(Channel, cancellationToken: stopB.Token);
        var statusB = b.GetRequiredService<IConsumerStatusRegistry>();
        await Eventually.Until(() => Partitions(statusB) > 0 && Partitions(statusA) + Partitions(statusB) == 3, "the group rebalanced over a and b");
        await stopB.CancelAsync();
        await runB.WaitAsync(Eventually.DefaultTimeout);
        await Eventually.Until(() => Partitions(statusA) == 3, "a is assigned every partition again");

        await Task.Delay(QuietWindow);
        handledA.Count.ShouldBe(1, "a paused consumer handles nothing new, also on partitions a rebalance gave it");
        handledB.Count.ShouldBe(0, "a consumer paused before it started handles nothing");
        (await channel.GetLagAsync(CancellationToken.None)).ShouldBe(waiting);

        await runnerA.ResumeAsync(Channel);
        statusA.Find(Channel)!.IsPaused.ShouldBeFalse();
        await Eventually.Until(() => handledA.Count == 1 + waiting, "a handles every waiting message once resumed");
        await EventuallyLag(channel, 0, "the handled messages are committed");

        await stopA.CancelAsync();
        await runA.WaitAsync(Eventually.DefaultTimeout);
        handledA.Count.ShouldBe(1 + waiting, "each message handled once");
    }

    [Fact]
    public async Task PauseAsync_ConsumerNotRunning_CompletesAtOnceAndTheRunStartsPaused()
    {
        var topic = await cluster.CreateTopicAsync(1, purpose: "pause-before");
        var handled = new Handled();
        await using var services = Member(topic, handled);
        var runner = services.GetRequiredService<IConsumerRunner>();
        await runner.PauseAsync("pausable.work").WaitAsync(TimeSpan.FromSeconds(5));
        await services.GetRequiredService<ICommandBus>().SendAsync(new Work("w"));

        using var stop = new CancellationTokenSource();
        var run = runner.RunAsync(Channel, cancellationToken: stop.Token);
        var status = services.GetRequiredService<IConsumerStatusRegistry>();
        await Eventually.Until(() => Partitions(status) == 1, "the consumer is assigned its partition");
        await Task.Delay(QuietWindow);
        handled.Count.ShouldBe(0, "a consumer paused before it started handles nothing");

        await runner.ResumeAsync(Channel);
        await Eventually.Until(() => handled.Count == 1, "the message is handled once resumed");
        await stop.CancelAsync();
        await run.WaitAsync(Eventually.DefaultTimeout);
    }

    private static async Task EventuallyLag(IReceivingChannel channel, long expected, string what)
    {
        long? lag = null;
        await Eventually.Until(() => (lag = channel.GetLagAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()) == expected, $"{what} (lag {expected}, last seen {lag})");
    }

    private static IEnumerable<IMessageChannel> Channels(IServiceProvider services)
    {
        var registry = services.GetRequiredService<IChannelRegistry>();
        return registry.Names.Select(n => registry.TryGet(n, out var c) ? c : null).OfType<IMessageChannel>();
    }

    private static int Partitions(IConsumerStatusRegistry registry) =>
        registry.Find(Channel)?.AssignedPartitions.Count(p => !p.Contains(".retry", StringComparison.Ordinal)) ?? 0;

    private ServiceProvider Member(string topic, Handled handled) =>
        ConveyorOnKafka.Build(cluster, c => c.AddHandler<WorkHandler>().AddKafkaChannel(Channel, topic, $"g-{topic}"), s => s.AddSingleton(handled));
}
