using System.Diagnostics;
using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using Conveyor.Outbox;
using Conveyor.Storage;
using Npgsql;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>One side's measured round: from the first command handled to the last event acknowledged by Kafka.</summary>
public sealed record OutboxRun(string Side, int Round, int Messages, TimeSpan Elapsed)
{
    public double PerSecond => Messages / Elapsed.TotalSeconds;
}

/// <summary>
/// The transactional outbox's cost: N commands, each handled in a unit of work of the chosen store (SQLite, or
/// PostgreSQL) by a handler that publishes one event to a Kafka channel. "direct" has the outbox turned off (the event is sent to Kafka while the handler's
/// transaction is open, as without an outbox); "outbox" writes it to the outbox in that transaction and the relay
/// sends it after the commit. The same handler, database and topic shape on both sides; rounds interleaved.
/// </summary>
internal sealed class OutboxScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    public async Task<List<OutboxRun>> RunAsync()
    {
        var runs = new List<OutboxRun>();

        // Round 0 warms both sides up and is not reported.
        for (var round = 0; round <= options.Rounds; round++)
        {
            foreach (var outbox in new[] { false, true })
            {
                var elapsed = await RunOnceAsync(outbox, round);
                var side = outbox ? "outbox" : "direct";
                Console.WriteLine($"  round {round} {side,-6}: {options.OutboxMessages / elapsed.TotalSeconds,10:N0} msg/s ({elapsed.TotalMilliseconds:N0} ms){(round == 0 ? " (warm-up)" : "")}");
                if (round > 0)
                {
                    runs.Add(new OutboxRun(side, round, options.OutboxMessages, elapsed));
                }
            }
        }

        return runs;
    }

    private async Task<TimeSpan> RunOnceAsync(bool outbox, int round)
    {
        var topic = $"bench-outbox-{(outbox ? "o" : "d")}-{round}-{Guid.NewGuid():N}";
        var file = Path.Combine(Path.GetTempPath(), $"conveyor-bench-outbox-{Guid.NewGuid():N}.db");
        var schema = $"bench_outbox_{Guid.NewGuid():N}";
        var postgres = options.OutboxStore == "postgresql";
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        collection.AddSingleton(cluster).AddSingleton<IKafkaTopicCreator>(cluster);
        collection.AddConveyor(c =>
        {
            c.AddHandler<Orders>()
                .AddHandler<Shipping>()
                .AddInMemoryChannel("orders")
                .UseKafka(o =>
                {
                    o.BootstrapServers = cluster.BootstrapServers;
                    o.CreateMissingTopics = true;
                })
                .AddKafkaChannel(Events, topic, $"g-{topic}");
            _ = postgres
                ? c.UsePostgreSql(options.RequirePostgreSql(), o => o.Schema = schema)
                : c.UseSqlite($"Data Source={file}");
            c.UseOutbox(o =>
            {
                o.Enabled = outbox;
                o.PollInterval = TimeSpan.FromMilliseconds(100);
            });
        });
        try
        {
            await using var provider = collection.BuildServiceProvider();
            foreach (var migrator in provider.GetServices<ISchemaMigrator>())
            {
                await migrator.MigrateAsync(default);
            }

            // The relay alone of the hosted services: the scenario runs the command consumer itself.
            var relay = provider.GetServices<IHostedService>().OfType<Outbox.OutboxRelay>().Single();
            var store = provider.GetRequiredService<IOutboxStore>();
            await relay.StartAsync(default);

            var commands = provider.GetRequiredService<ICommandBus>();
            for (var i = 0; i < options.OutboxMessages; i++)
            {
                await commands.SendAsync(new PlaceOrder(i));
            }

            // Timed: handling every command, and (outbox) relaying every event, each acknowledged by Kafka.
            var clock = Stopwatch.StartNew();
            var result = await provider.GetRequiredService<IConsumerRunner>().RunAsync("orders", new ConsumerRunOptions { StopWhenEmpty = true });
            if (result.Failed > 0)
            {
                throw new InvalidOperationException($"{result.Failed} commands failed.");
            }

            while (await store.CountAsync(default) > 0)
            {
                await Task.Delay(1);
            }

            var elapsed = clock.Elapsed;
            await relay.StopAsync(default);

            return elapsed;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(file + suffix);
            }

            if (postgres)
            {
                await PostgreSqlSchemas.DropAsync(options.RequirePostgreSql(), schema);
            }

            // Only the channel's topic was written (nothing is consumed or retried here).
            cluster.DeleteTopic(topic);
        }
    }

    private const string Events = "order-events";

    public sealed record PlaceOrder(int Id);

    public sealed record OrderPlaced(int Id);

    /// <summary>Publishes one event per command, keyed by a customer of 64.</summary>
    public sealed class Orders(IEventBus events)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "bench.orders")]
        public ValueTask Handle(PlaceOrder order) =>
            events.PublishAsync(new OrderPlaced(order.Id), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = $"customer-{order.Id % 64}" });
    }

    /// <summary>The events' subscriber, declared so that publishing routes to the Kafka channel; not consumed here.</summary>
    public sealed class Shipping
    {
        [Asynchronous(Events)]
        [EventHandler(EndpointId = "bench.shipping")]
        public void Handle(OrderPlaced placed)
        {
        }
    }
}
