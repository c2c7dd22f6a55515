using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Conveyor.Kafka.OutboxApp;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Outbox;
using Conveyor.Sqlite;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Kafka.Tests.Outbox;

/// <summary>
/// The SQLite outbox relaying to Kafka: a handler's row and its event commit together; a process killed between the
/// commit and the relay loses nothing (another relays every event once, and the deduplicating receiver applies each
/// once); two relaying hosts keep every key's order.
/// </summary>
public sealed class KafkaOutboxTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"conveyor-outbox-{Guid.NewGuid():N}.db");

    public sealed record PlaceOrder(string Id, bool FailAfterPublish);

    public sealed class Orders(SqliteUnitOfWork unitOfWork, IEventBus events)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Handle(PlaceOrder order)
        {
            using var insert = unitOfWork.CreateCommand("INSERT INTO orders (id) VALUES ($id);");
            insert.Parameters.AddWithValue("$id", order.Id);
            await insert.ExecuteNonQueryAsync();
            await events.PublishAsync(new OrderPlaced(order.Id, "customer-1", 0));
            if (order.FailAfterPublish)
            {
                throw new InvalidOperationException("the payment gateway is down");
            }
        }
    }

    /// <summary>The receiving side: deduplicated by message id, its effect a row written in the same transaction as the claim.</summary>
    public sealed class Shipping(SqliteUnitOfWork unitOfWork)
    {
        [Asynchronous(OutboxContract.Channel)]
        [EventHandler(EndpointId = OutboxContract.Endpoint)]
        [Deduplicated]
        public async Task Handle(OrderPlaced placed)
        {
            using var insert = unitOfWork.CreateCommand("INSERT INTO shipments (order_id) VALUES ($id);");
            insert.Parameters.AddWithValue("$id", placed.OrderId);
            await insert.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task HandlerThatThrowsAfterPublishing_PublishesNothing_WritesNothing_TheOthersCommitWithTheirEvents()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await using var services = Build(topic, c => c.AddHandler<Orders>().AddHandler<Shipping>().AddInMemoryChannel("orders"));
        await PrepareAsync(services);
        var commands = services.GetRequiredService<ICommandBus>();
        await commands.SendAsync(new PlaceOrder("o-1", FailAfterPublish: false));
        await commands.SendAsync(new PlaceOrder("o-2", FailAfterPublish: true));
        await commands.SendAsync(new PlaceOrder("o-3", FailAfterPublish: false));

        var run = await services.RunUntilEmpty("orders");
        run.Failed.ShouldBe(1);
        Scalar("SELECT COUNT(*) FROM conveyor_outbox;").ShouldBe(2, "the failed handler's event rolled back with its row");
        await RelayUntilEmptyAsync(services);

        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Select(r => Event(r).OrderId).Order().ShouldBe(["o-1", "o-3"]);
        Strings("SELECT id FROM orders ORDER BY id;").ShouldBe(["o-1", "o-3"]);
    }

    [Fact]
    public async Task ProcessKilledBetweenTheCommitAndTheRelay_AnotherRelaysEveryEventOnce_AndTheReceiverAppliesEachOnce()
    {
        const int Orders = 120;
        const int Customers = 6;
        var topic = await cluster.CreateTopicAsync(3);

        // The writer: relay off through its ordinary option, so that it is killed with every event committed and none sent.
        var writer = StartOutboxApp(topic, Orders, Customers);
        try
        {
            await WaitForLineAsync(writer, OutboxContract.Committed);
        }
        finally
        {
            writer.Kill(entireProcessTree: true);
            await writer.WaitForExitAsync();
        }

        Scalar("SELECT COUNT(*) FROM orders;").ShouldBe(Orders);
        Scalar("SELECT COUNT(*) FROM conveyor_outbox;").ShouldBe(Orders, "committed, never relayed");

        // This process relays what the killed one committed, and runs the deduplicating receiver.
        await using var services = Build(topic, c => c.AddHandler<Shipping>());
        await PrepareAsync(services);
        await RelayUntilEmptyAsync(services);

        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        var events = records.Select(Event).ToList();
        events.Count.ShouldBe(Orders, "every event published once");
        events.Select(e => e.OrderId).Distinct().Count().ShouldBe(Orders);
        ShouldBeInOrderPerCustomer(records);

        await services.RunUntil(OutboxContract.Channel, () => Scalar("SELECT COUNT(*) FROM shipments;") >= Orders || Scalar("SELECT COUNT(*) FROM conveyor_dead_letters;") > 0);
        Strings("SELECT exception_message FROM conveyor_dead_letters;").ShouldBeEmpty();
        Scalar("SELECT COUNT(DISTINCT order_id) FROM shipments;").ShouldBe(Orders);
        Scalar("SELECT COUNT(*) FROM shipments;").ShouldBe(Orders, "each event's effect happened once");
    }

    [Fact]
    public async Task TwoRelayingHosts_OnOneDatabase_KeepEveryCustomersOrder()
    {
        const int Orders = 400;
        const int Customers = 8;
        var topic = await cluster.CreateTopicAsync(3);

        // Fewer lanes per relay than there are busy lanes: both relays hold some while the writers commit.
        Action<OutboxOptions> outbox = o =>
        {
            o.Lanes = 16;
            o.MaxLanesPerRelay = 3;
            o.BatchSize = 7;
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        };
        await using var first = Build(topic, c => c.AddHandler<Shipping>(), outbox);
        await using var second = Build(topic, c => c.AddHandler<Shipping>(), outbox);
        await PrepareAsync(first);
        var relays = new[] { StartRelay(first), StartRelay(second) };
        foreach (var relay in relays)
        {
            await relay.StartAsync(default);
        }

        try
        {
            for (var i = 0; i < Orders; i++)
            {
                var customer = $"customer-{i % Customers}";
                await PublishInUnitOfWorkAsync(i % 2 == 0 ? first : second, new OrderPlaced($"order-{i}", customer, i / Customers));
            }

            await Eventually.Until(() => Scalar("SELECT COUNT(*) FROM conveyor_outbox;") == 0, "both relays emptied the outbox", TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (var relay in relays)
            {
                await relay.StopAsync(default);
            }
        }

        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Count.ShouldBe(Orders);
        ShouldBeInOrderPerCustomer(records);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }

    private ServiceProvider Build(string topic, Action<ConveyorBuilder> configure, Action<OutboxOptions>? outbox = null) =>
        ConveyorOnKafka.Build(cluster, c =>
        {
            configure(c);
            c.AddKafkaChannel(OutboxContract.Channel, topic, $"g-{topic}")
                .UseSqlite($"Data Source={_database}")
                .UseOutbox(o =>
                {
                    o.PollInterval = TimeSpan.FromMilliseconds(100);
                    outbox?.Invoke(o);
                });
        });

    private static async Task PrepareAsync(IServiceProvider services)
    {
        await using var connection = await services.GetRequiredService<SqliteDatabase>().OpenConnectionAsync(default);
        using var create = connection.CreateCommand();
        create.CommandText = """
            CREATE TABLE IF NOT EXISTS orders (id TEXT NOT NULL PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS shipments (order_id TEXT NOT NULL);
            """;
        await create.ExecuteNonQueryAsync();
    }

    private static IHostedService StartRelay(IServiceProvider services) => services.GetServices<IHostedService>().OfType<OutboxRelay>().Single();

    private async Task RelayUntilEmptyAsync(IServiceProvider services)
    {
        var relay = StartRelay(services);
        await relay.StartAsync(default);
        try
        {
            await Eventually.Until(() => Scalar("SELECT COUNT(*) FROM conveyor_outbox;") == 0, "the relay emptied the outbox");
        }
        finally
        {
            await relay.StopAsync(default);
        }
    }

    private static async Task PublishInUnitOfWorkAsync(IServiceProvider services, OrderPlaced order)
    {
        await using var scope = services.CreateAsyncScope();
        await using var unitOfWork = await scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>().BeginAsync(default);
        await scope.ServiceProvider.GetRequiredService<IEventBus>().PublishAsync(order, new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = order.Customer });
        await unitOfWork.CommitAsync(default);
    }

    private static void ShouldBeInOrderPerCustomer(IReadOnlyList<KcatRecord> records)
    {
        foreach (var customer in records.GroupBy(r => r.Key))
        {
            customer.Select(r => r.Partition).Distinct().Count().ShouldBe(1, $"{customer.Key} is on one partition");
            var sequences = customer.OrderBy(r => r.Offset).Select(r => Event(r).Sequence).ToList();
            sequences.ShouldBe(Enumerable.Range(0, sequences.Count), $"{customer.Key}'s events are in the order they were committed");
        }
    }

    private static OrderPlaced Event(KcatRecord record) => JsonSerializer.Deserialize<OrderPlaced>(record.Payload!, Json)!;

    private Process StartOutboxApp(string topic, int orders, int customers)
    {
        var path = typeof(KafkaOutboxTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OutboxAppPath").Value!;
        string[] arguments = [cluster.BootstrapServers, _database, topic, orders.ToString(CultureInfo.InvariantCulture), customers.ToString(CultureInfo.InvariantCulture)];
        return DotnetApp.Start(path, arguments, redirectStandardInput: false, environment: new Dictionary<string, string> { ["Conveyor__Outbox__Relay"] = "false" });
    }

    private static async Task WaitForLineAsync(Process process, string expected)
    {
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == expected)
            {
                return;
            }
        }

        throw new ShouldAssertException($"The outbox app exited ({process.ExitCode}) before writing '{expected}': {await errors}");
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private List<string> Strings(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
