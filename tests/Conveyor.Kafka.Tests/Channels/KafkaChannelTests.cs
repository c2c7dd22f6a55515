using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

public sealed class KafkaChannelTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    [Message("ticket.opened")]
    public sealed record TicketOpened(string TicketId, int Number);

    public sealed class Received
    {
        public ConcurrentQueue<(string Who, TicketOpened Ticket, MessageHeaders Headers)> Messages { get; } = new();
    }

    public sealed class Subscribers(Received received)
    {
        [Asynchronous("tickets")]
        [EventHandler(EndpointId = "tickets.notify")]
        public void Notify(TicketOpened e, MessageHeaders headers) => received.Messages.Enqueue(("notify", e, headers));

        [Asynchronous("tickets")]
        [EventHandler(EndpointId = "tickets.audit")]
        public void Audit(TicketOpened e, MessageHeaders headers) => received.Messages.Enqueue(("audit", e, headers));
    }

    [Fact]
    public async Task PublishAsync_TwoSubscribersOnAKafkaChannel_EachHandlesItsOwnCopyAndOffsetsAreCommitted()
    {
        var topic = await cluster.CreateTopicAsync(3);
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Subscribers>().AddKafkaChannel("tickets", topic, groupId: $"g-{topic}"),
            s => s.AddSingleton(received));
        var bus = services.GetRequiredService<IEventBus>();

        for (var i = 0; i < 10; i++)
        {
            await bus.PublishAsync(new TicketOpened($"t-{i}", i), new Dictionary<string, string> { ["tenant"] = "acme" });
        }

        var result = await services.RunUntilEmpty("tickets");

        result.Finished.ShouldBe(20);
        received.Messages.Count(m => m.Who == "notify").ShouldBe(10);
        received.Messages.Count(m => m.Who == "audit").ShouldBe(10);
        var first = received.Messages.First();
        first.Headers.Get("tenant").ShouldBe("acme");
        first.Headers.Get("kafka_topic").ShouldBe(topic);
        first.Headers.MessageName.ShouldBe("ticket.opened");

        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("tickets");
        lag.Where(p => p.Topic == topic).Sum(p => p.Lag).ShouldBe(0);
        lag.Where(p => p.Topic == topic).Sum(p => p.Committed ?? 0).ShouldBe(20);
    }
}
