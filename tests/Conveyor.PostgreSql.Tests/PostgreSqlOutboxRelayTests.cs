using System.Collections.Concurrent;
using System.Text.Json;
using Conveyor.Channels;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL outbox in applications: what a unit of work publishes commits with it, and relays of two hosts on one
/// schema racing for the lanes send every message once, in commit order per partition key.
/// </summary>
public sealed class PostgreSqlOutboxRelayTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestSchema _schema = new(database);

    public sealed record OrderPlaced(string Id, string Customer, int Sequence);

    /// <summary>Subscribes to the recorded channel, so that the events are routed there; the test runs no consumer.</summary>
    public sealed class Subscriber
    {
        [Asynchronous("recorded")]
        [EventHandler(EndpointId = "orders.placed.subscriber")]
        public void Handle(OrderPlaced placed) => throw new InvalidOperationException($"{placed.Id} is only recorded, never consumed.");
    }

    /// <summary>A channel that records what reaches it, in the order it arrives, and which relay sent it.</summary>
    public sealed class RecordingChannel(string host, ConcurrentQueue<(string Host, TransportMessage Message)> sent) : IMessageChannel
    {
        public string Name => "recorded";

        public ChannelCapabilities Capabilities => ChannelCapabilities.SendOnly;

        public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            sent.Enqueue((host, message));
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task TwoRelayingHosts_OnOneSchema_RelayEveryMessageOnce_InEveryCustomersOrder()
    {
        const int Customers = 8;
        const int PerCustomer = 50;
        var sent = new ConcurrentQueue<(string Host, TransportMessage Message)>();

        // Fewer lanes per relay than there are busy lanes, small batches: both relays hold lanes while writers commit.
        await using var first = Build("first", sent);
        await using var second = Build("second", sent);
        await first.GetRequiredService<PostgreSqlDatabase>().MigrateAsync(default);
        // Every hosted service of both: the relays, the scheduler, the clean-up (no consumer: the channel only records).
        var relays = first.GetServices<IHostedService>().Concat(second.GetServices<IHostedService>()).ToList();
        foreach (var relay in relays)
        {
            await relay.StartAsync(default);
        }

        try
        {
            // One writer per customer, each alternating hosts and committing one event after the other.
            await Task.WhenAll(Enumerable.Range(0, Customers).Select(c => Task.Run(async () =>
            {
                for (var i = 0; i < PerCustomer; i++)
                {
                    await PublishInUnitOfWorkAsync(i % 2 == 0 ? first : second, new OrderPlaced($"order-{c}-{i}", $"customer-{c}", i));
                }
            })));

            await WaitUntilAsync(async () => sent.Count >= Customers * PerCustomer && await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_outbox;") == 0, "both relays emptied the outbox");
        }
        finally
        {
            foreach (var relay in relays)
            {
                await relay.StopAsync(default);
            }
        }

        var events = sent.Select(s => (s.Host, Event: JsonSerializer.Deserialize<OrderPlaced>(s.Message.Body.Span, JsonSerializerOptions.Web)!)).ToList();
        events.Select(e => e.Event.Id).Distinct().Count().ShouldBe(Customers * PerCustomer, "every event was relayed");
        events.Count.ShouldBe(Customers * PerCustomer, "no event was relayed twice");
        events.Select(e => e.Host).Distinct().Count().ShouldBe(2, "both relays relayed");
        foreach (var customer in events.GroupBy(e => e.Event.Customer))
        {
            customer.Select(e => e.Event.Sequence).ShouldBe(Enumerable.Range(0, PerCustomer), $"{customer.Key}'s events leave in the order they were committed");
        }
    }

    [Fact]
    public async Task TwoUnitsOfWork_OnOneLane_AreClaimedInCommitOrder_NotInTheOrderTheyPublished()
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        var opened = _schema.Open();
        var store = new Outbox.PostgreSqlOutboxStore(opened);
        await using var first = await opened.BeginUnitOfWorkAsync(services, default);
        await using var second = await opened.BeginUnitOfWorkAsync(services, default);

        // The first publishes first but commits last: its message must leave after the second's.
        await store.AppendAsync(first, new Conveyor.Outbox.OutboxMessage("recorded", 0, Message("published-first")), default);
        await store.AppendAsync(second, new Conveyor.Outbox.OutboxMessage("recorded", 0, Message("published-second")), default);
        await second.CommitAsync(default);
        await first.CommitAsync(default);

        var rows = await store.ClaimAsync(new Conveyor.Outbox.OutboxClaim("relay", TimeSpan.FromSeconds(30), 1, 10), default);

        rows.Select(r => r.Message.MessageId).ShouldBe(["published-second", "published-first"], "a lane's messages leave in commit order");
    }

    [Fact]
    public async Task UnitOfWorkDisposedWithoutCommit_LeavesNothingInTheOutbox()
    {
        var sent = new ConcurrentQueue<(string Host, TransportMessage Message)>();
        await using var services = Build("only", sent);
        await using (var scope = services.CreateAsyncScope())
        {
            await using var unitOfWork = await scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>().BeginAsync(default);
            await scope.ServiceProvider.GetRequiredService<IEventBus>().PublishAsync(new OrderPlaced("order-1", "customer-1", 0));
            (await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_outbox;")).ShouldBe(0, "the row is not committed yet");
        }

        await PublishInUnitOfWorkAsync(services, new OrderPlaced("order-2", "customer-1", 1));

        (await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_outbox;")).ShouldBe(1, "only the committed unit of work's event is in the outbox");
        sent.ShouldBeEmpty("nothing is sent before the relay runs");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    private ServiceProvider Build(string host, ConcurrentQueue<(string Host, TransportMessage Message)> sent) =>
        new ServiceCollection()
            .AddLogging()
            .AddConveyor(c => c
                .AddHandler<Subscriber>()
                .AddChannel("recorded", _ => new RecordingChannel(host, sent), "recording")
                .UsePostgreSql(_schema.ConnectionString, o => o.Schema = _schema.Name)
                .UseOutbox(o =>
                {
                    o.Lanes = 16;
                    o.MaxLanesPerRelay = 3;
                    o.BatchSize = 7;
                    o.PollInterval = TimeSpan.FromMilliseconds(50);
                }))
            .BuildServiceProvider();

    private static async Task PublishInUnitOfWorkAsync(IServiceProvider services, OrderPlaced order)
    {
        await using var scope = services.CreateAsyncScope();
        await using var unitOfWork = await scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>().BeginAsync(default);
        await scope.ServiceProvider.GetRequiredService<IEventBus>().PublishAsync(order, new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = order.Customer });
        await unitOfWork.CommitAsync(default);
    }

    private static TransportMessage Message(string id)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        return new TransportMessage(headers, "{}"u8.ToArray());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"not within {Timeout}: {what}");
            await Task.Delay(20);
        }
    }
}
