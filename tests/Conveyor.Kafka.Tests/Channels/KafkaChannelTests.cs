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

    private ServiceProvider Tickets(string topic, Received received) => ConveyorOnKafka.Build(
        cluster,
        c => c.AddHandler<Subscribers>().AddKafkaChannel("tickets", topic, groupId: $"g-{topic}"),
        s => s.AddSingleton(received));

    [Fact]
    public async Task PublishAsync_TwoSubscribersOnAKafkaChannel_EachHandlesItsOwnCopyAndOffsetsAreCommitted()
    {
        var topic = await cluster.CreateTopicAsync(3);
        var received = new Received();
        await using var services = Tickets(topic, received);
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

    [Fact]
    public async Task ChannelRecords_LeaveOffHeadersImpliedByOthers_AndTheHandlerReceivesThemRestored()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var received = new Received();
        await using var services = Tickets(topic, received);
        var bus = services.GetRequiredService<IEventBus>();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await bus.PublishAsync(new TicketOpened("t-1", 1));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await bus.PublishAsync(new TicketOpened("t-2", 2), new Dictionary<string, string> { [MessageHeaderNames.CorrelationId] = "flow-9" });

        // Written by Conveyor for Conveyor: a correlation id equal to the message id and a routing key equal to the
        // message name follow from other headers and are not on the record; a correlation id that differs is. The
        // timestamp is the record's own, the JSON content type is implied by its absence, and the kind is read only
        // on distributed records.
        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        var started = records.Where(r => r.Payload!.Contains("t-1")).ToList();
        started.Count.ShouldBe(2, "one record per subscriber");
        started.ShouldAllBe(r => r.Header(MessageHeaderNames.CorrelationId) == null && r.Header(MessageHeaderNames.RoutingKey) == null);
        started.ShouldAllBe(r => r.Header(MessageHeaderNames.Timestamp) == null && r.Header(MessageHeaderNames.ContentType) == null
            && r.Header(MessageHeaderNames.MessageKind) == null);
        started.Select(r => r.Header(MessageHeaderNames.TargetEndpoint)).Order().ShouldBe(["tickets.audit", "tickets.notify"]); // two handlers on the channel take the name: each record names its own
        started.ShouldAllBe(r => r.Header(MessageHeaderNames.MessageName) == "ticket.opened" && r.Header(MessageHeaderNames.MessageId) != null);
        records.Where(r => r.Payload!.Contains("t-2")).Select(r => r.Header(MessageHeaderNames.CorrelationId)).ShouldBe(["flow-9", "flow-9"]);

        await services.RunUntilEmpty("tickets");
        var first = received.Messages.First(m => m.Ticket.TicketId == "t-1").Headers;
        first.CorrelationId.ShouldBe(first.MessageId);
        first.RoutingKey.ShouldBe("ticket.opened");
        first.ContentType.ShouldBe("application/json");
        first.Get(MessageHeaderNames.Timestamp).ShouldBe(started[0].Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        started[0].Timestamp.ShouldBeInRange(before, after, "the record's timestamp is the message's creation time");
        received.Messages.Where(m => m.Ticket.TicketId == "t-2").ShouldAllBe(m => m.Headers.CorrelationId == "flow-9");
    }

    public sealed class Closer(Received received)
    {
        [Asynchronous("closing")]
        [EventHandler(EndpointId = "tickets.close")]
        public void Close(TicketOpened e, MessageHeaders headers) => received.Messages.Enqueue(("close", e, headers));
    }

    [Fact]
    public async Task ChannelRecords_LeaveOffTheTargetEndpoint_WhenItIsTheOnlyHandlerOfTheName()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Closer>().AddKafkaChannel("closing", topic, groupId: $"g-{topic}"),
            s => s.AddSingleton(received));
        await services.GetRequiredService<IEventBus>().PublishAsync(new TicketOpened("t-1", 1));

        var record = (await Kcat.ConsumeAllAsync(cluster, topic)).ShouldHaveSingleItem();
        record.Header(MessageHeaderNames.TargetEndpoint).ShouldBeNull();
        record.Headers.Select(h => h.Key).Order().ShouldBe([MessageHeaderNames.MessageId, MessageHeaderNames.MessageName]);

        (await services.RunUntilEmpty("closing")).Finished.ShouldBe(1);
        received.Messages.ShouldHaveSingleItem().Who.ShouldBe("close");
    }
}
