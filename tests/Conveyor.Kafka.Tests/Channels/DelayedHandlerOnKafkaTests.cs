using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

public sealed class DelayedHandlerOnKafkaTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(3);

    public sealed record Remind(string Id);

    public sealed record Note(string Id);

    public sealed class Handled
    {
        public ConcurrentQueue<(string What, DateTimeOffset At)> Calls { get; } = new();
    }

    public sealed class Reminders(Handled handled)
    {
        [Asynchronous("reminders")]
        [CommandHandler(EndpointId = "remind")]
        [Delayed(3000)]
        public void Remind(Remind command) => handled.Calls.Enqueue(("remind " + command.Id, DateTimeOffset.UtcNow));

        [Asynchronous("reminders")]
        [CommandHandler(EndpointId = "note")]
        public void Note(Note command) => handled.Calls.Enqueue(("note " + command.Id, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task DelayedHandler_WithinTheRetryTopicDelay_WaitsThereWhileLaterMessagesOfThePartitionGoOn()
    {
        var handled = new Handled();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Reminders>().AddKafkaChannel("reminders", topic, $"g-{topic}"), s => s.AddSingleton(handled));
        var bus = services.GetRequiredService<ICommandBus>();

        var sent = DateTimeOffset.UtcNow;
        await bus.SendAsync(new Remind("r-1"));
        await bus.SendAsync(new Note("n-1"));
        (await services.GetRequiredService<IMessageScheduler>().CountPendingAsync(CancellationToken.None)).ShouldBe(0, "the retry topic holds a delay this short");
        await services.RunUntil("reminders", () => handled.Calls.Count == 2);

        var calls = handled.Calls.ToList();
        calls.Select(c => c.What).ShouldBe(["note n-1", "remind r-1"], "the note sent after the reminder into the same partition is not held up");
        (calls[1].At - sent).ShouldBeGreaterThanOrEqualTo(Delay - TimeSpan.FromMilliseconds(50), "the reminder really waited");
    }

    [Fact]
    public async Task DelayedHandler_LongerThanTheRetryTopicHolds_WaitsInTheSchedulerThenArrives()
    {
        var handled = new Handled();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Reminders>().AddKafkaChannel("reminders", topic, $"g-{topic}", o => o.MaxRetryTopicDelay = TimeSpan.FromSeconds(1)),
            s => s.AddSingleton(handled));
        var bus = services.GetRequiredService<ICommandBus>();

        var sent = DateTimeOffset.UtcNow;
        await bus.SendAsync(new Remind("r-1"));
        await bus.SendAsync(new Note("n-1"));
        (await services.GetRequiredService<IMessageScheduler>().CountPendingAsync(CancellationToken.None)).ShouldBe(1, "a delay longer than the channel holds goes to the scheduler");
        await services.RunUntil("reminders", () => handled.Calls.Count == 2);

        var calls = handled.Calls.ToList();
        calls.Select(c => c.What).ShouldBe(["note n-1", "remind r-1"]);
        (calls[1].At - sent).ShouldBeGreaterThanOrEqualTo(Delay - TimeSpan.FromMilliseconds(50));

        // The scheduler forgets the message once its send is acknowledged, which the consumer may beat: the handler can
        // have run before the acknowledgement's continuation did.
        var scheduler = services.GetRequiredService<IMessageScheduler>();
        await Eventually.UntilAsync(async () => await scheduler.CountPendingAsync(CancellationToken.None) == 0, "the scheduler forgot the delivered message");
    }
}
