using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// Aggregate partition keys on Kafka: a command to an aggregate is keyed by the aggregate's identifier and
/// so is every event it records, without the sender naming a key, so every message of one instance lands on one
/// partition and is handled in the order it was sent.
/// </summary>
public sealed class AggregatePartitionKeyTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record OpenCounter(string CounterId);

    public sealed record Increment(string CounterId, int Sequence);

    public sealed record Incremented(string CounterId, int Value);

    [Aggregate]
    public sealed class Counter : AggregateRoot
    {
        [Identifier]
        public string CounterId { get; private set; } = "";

        public int Value { get; private set; }

        [Asynchronous("counters")]
        [CommandHandler(EndpointId = "counter.open")]
        public static Counter Open(OpenCounter command) => new() { CounterId = command.CounterId };

        /// <summary>Refuses a command out of order: handled out of order, the run would dead-letter it.</summary>
        [Asynchronous("counters")]
        [CommandHandler(EndpointId = "counter.increment")]
        public void Handle(Increment command)
        {
            if (command.Sequence != Value + 1)
            {
                throw new InvalidOperationException($"{CounterId}: increment {command.Sequence} arrived at value {Value}.");
            }

            Value = command.Sequence;
            RecordThat(new Incremented(CounterId, Value));
        }
    }

    public sealed class Received
    {
        public ConcurrentQueue<(Incremented Event, MessageHeaders Headers)> Events { get; } = new();
    }

    public sealed class CounterProjection(Received received)
    {
        [Asynchronous("counter-events")]
        [EventHandler(EndpointId = "counter.project")]
        public void On(Incremented incremented, MessageHeaders headers) => received.Events.Enqueue((incremented, headers));
    }

    [Fact]
    public async Task CommandsAndRecordedEvents_OfOneAggregate_LandOnOnePartition_ByItsIdentifier_AndAreHandledInOrder()
    {
        var (commands, events) = (await cluster.CreateTopicAsync(6), await cluster.CreateTopicAsync(6));
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Counter>().AddHandler<CounterProjection>()
                .AddKafkaChannel("counters", commands, groupId: $"g-{commands}")
                .AddKafkaChannel("counter-events", events, groupId: $"g-{events}"),
            s => s.AddSingleton(received));
        var bus = services.GetRequiredService<ICommandBus>();
        string[] counters = ["counter-1", "counter-2", "counter-3", "counter-4"];
        foreach (var counter in counters)
        {
            await bus.SendAsync(new OpenCounter(counter));
        }

        for (var sequence = 1; sequence <= 10; sequence++)
        {
            foreach (var counter in counters)
            {
                await bus.SendAsync(new Increment(counter, sequence));
            }
        }

        var sent = await Kcat.ConsumeAllAsync(cluster, commands);
        sent.Count.ShouldBe(44);
        foreach (var counter in counters)
        {
            var ofCounter = sent.Where(r => r.Key == counter).ToList();
            ofCounter.Count.ShouldBe(11, $"every command to {counter} is keyed by its identifier");
            ofCounter.Select(r => r.Partition).Distinct().ShouldHaveSingleItem().ShouldBe(JavaPartitioner.Partition(counter, 6));
        }

        (await services.RunUntilEmpty("counters")).Failed.ShouldBe(0, "every increment arrived in order");
        await services.RunUntil("counter-events", () => received.Events.Count == 40);

        var published = await Kcat.ConsumeAllAsync(cluster, events);
        foreach (var counter in counters)
        {
            published.Where(r => r.Key == counter).Select(r => r.Partition).Distinct().ShouldHaveSingleItem().ShouldBe(JavaPartitioner.Partition(counter, 6));
            var handled = received.Events.Where(e => e.Event.CounterId == counter).ToList();
            handled.Select(e => e.Event.Value).ShouldBe(Enumerable.Range(1, 10), $"{counter}'s events are handled in the order they were recorded");
            handled.ShouldAllBe(e => e.Headers.Get(MessageHeaderNames.AggregateId) == counter && e.Headers.Get(MessageHeaderNames.AggregateType) == "Counter");
        }
    }
}
