using System.Collections.Concurrent;
using Conveyor.Outbox;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Conveyor.Sqlite.Tests;

/// <summary>The SQLite outbox in a host: what a handler or an explicit unit of work sends commits with its writes and is relayed after.</summary>
public sealed class SqliteOutboxRelayTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDatabase _file = new();

    public SqliteOutboxRelayTests() =>
        _file.Scalar("CREATE TABLE orders (id TEXT NOT NULL PRIMARY KEY);");

    public sealed record PlaceOrder(string Id, bool FailAfterPublish);

    public sealed record OrderPlaced(string Id);

    /// <summary>The events the subscriber received, in order.</summary>
    public sealed class Received
    {
        private readonly ConcurrentQueue<string> _ids = new();

        public IReadOnlyCollection<string> Ids => _ids;

        public void Add(string id) => _ids.Enqueue(id);

        public async Task WaitForAsync(string id)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (!_ids.Contains(id))
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"event {id} was not received");
                await Task.Delay(10);
            }
        }
    }

    public sealed class Orders(SqliteUnitOfWork unitOfWork, IEventBus events)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Handle(PlaceOrder order)
        {
            using var insert = unitOfWork.CreateCommand("INSERT INTO orders (id) VALUES ($id);");
            insert.Parameters.AddWithValue("$id", order.Id);
            await insert.ExecuteNonQueryAsync();
            await events.PublishAsync(new OrderPlaced(order.Id));
            if (order.FailAfterPublish)
            {
                throw new InvalidOperationException("the payment gateway is down");
            }
        }
    }

    public sealed class Subscriber(Received received)
    {
        [Asynchronous("events")]
        [EventHandler(EndpointId = "orders.placed.subscriber")]
        public void Handle(OrderPlaced placed) => received.Add(placed.Id);
    }

    [Fact]
    public async Task Handler_ItsInsertAndItsEvent_CommitTogether_AndTheEventIsRelayed()
    {
        using var host = await StartAsync();

        await host.Services.GetRequiredService<ICommandBus>().SendAsync(new PlaceOrder("o-1", FailAfterPublish: false));

        await host.Services.GetRequiredService<Received>().WaitForAsync("o-1");
        Count("SELECT COUNT(*) FROM orders WHERE id = 'o-1';").ShouldBe(1);
        await WaitUntilAsync(() => Count("SELECT COUNT(*) FROM conveyor_outbox;") == 0, "the relayed row is deleted");
        await host.StopAsync();
    }

    [Fact]
    public async Task HandlerThrowsAfterPublishing_NothingPublished_NothingWritten()
    {
        using var host = await StartAsync();
        var bus = host.Services.GetRequiredService<ICommandBus>();

        await bus.SendAsync(new PlaceOrder("o-failed", FailAfterPublish: true));
        await WaitUntilAsync(() => Count("SELECT COUNT(*) FROM conveyor_dead_letters;") == 1, "the failed command is dead-lettered");
        await bus.SendAsync(new PlaceOrder("o-after", FailAfterPublish: false));

        // The in-memory channels keep order: once the later event is in, the failed one would have been before it.
        var received = host.Services.GetRequiredService<Received>();
        await received.WaitForAsync("o-after");
        received.Ids.ShouldBe(["o-after"]);
        Count("SELECT COUNT(*) FROM orders WHERE id = 'o-failed';").ShouldBe(0);
        await host.StopAsync();
    }

    [Fact]
    public async Task ExplicitUnitOfWork_Committed_TheCallersInsertAndTheEventTogether_DisposedWithoutCommit_Neither()
    {
        using var host = await StartAsync();
        using var scope = host.Services.CreateScope();
        var units = scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>();
        var events = scope.ServiceProvider.GetRequiredService<IEventBus>();

        await using (var abandoned = await units.BeginAsync(default))
        {
            await InsertOrderAsync(abandoned.Database, "o-abandoned");
            await events.PublishAsync(new OrderPlaced("o-abandoned"));
        }

        await using (var unitOfWork = await units.BeginAsync(default))
        {
            await InsertOrderAsync(unitOfWork.Database, "o-web");
            await events.PublishAsync(new OrderPlaced("o-web"));
            using (var inTransaction = unitOfWork.Database.Connection.CreateCommand())
            {
                inTransaction.Transaction = unitOfWork.Database.Transaction;
                inTransaction.CommandText = "SELECT COUNT(*) FROM conveyor_outbox;";
                (await inTransaction.ExecuteScalarAsync()).ShouldBe(1L, "the event is an outbox row in the unit of work's transaction");
            }

            Count("SELECT COUNT(*) FROM conveyor_outbox;").ShouldBe(0, "not committed yet: another connection sees nothing");
            await unitOfWork.CommitAsync(default);
        }

        var received = host.Services.GetRequiredService<Received>();
        await received.WaitForAsync("o-web");
        received.Ids.ShouldBe(["o-web"]);
        Count("SELECT COUNT(*) FROM orders;").ShouldBe(1);
        await host.StopAsync();
    }

    [Fact]
    public async Task ExplicitUnitOfWork_InsideAnother_Refused()
    {
        using var host = await StartAsync();
        using var scope = host.Services.CreateScope();
        var units = scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>();

        await using var outer = await units.BeginAsync(default);

        var error = await Should.ThrowAsync<InvalidOperationException>(async () => await units.BeginAsync(default));
        error.Message.ShouldContain("already open");
    }

    [Fact]
    public async Task CorruptRowAndUnknownChannel_DeadLetteredWithTheReason_TheRestRelayed()
    {
        // A writer whose relay is off, as a web front end's; then a relaying host.
        using (var writer = await StartAsync(relay: false))
        {
            using var scope = writer.Services.CreateScope();
            var units = scope.ServiceProvider.GetRequiredService<IUnitOfWorkScope>();
            var events = scope.ServiceProvider.GetRequiredService<IEventBus>();
            await using var unitOfWork = await units.BeginAsync(default);
            foreach (var id in new[] { "o-1", "o-corrupt", "o-2" })
            {
                await events.PublishAsync(new OrderPlaced(id), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = "customer-1" });
            }

            await unitOfWork.CommitAsync(default);
            await writer.StopAsync();
        }

        Count("SELECT COUNT(*) FROM conveyor_outbox;").ShouldBe(3, "the writer does not relay");
        Execute("UPDATE conveyor_outbox SET headers = X'FF' WHERE id = (SELECT id FROM conveyor_outbox ORDER BY id LIMIT 1 OFFSET 1);");
        Execute("INSERT INTO conveyor_outbox (lane, channel, headers, body) SELECT lane, 'removed-channel', headers, body FROM conveyor_outbox ORDER BY id LIMIT 1;");

        using var relay = await StartAsync();

        var received = relay.Services.GetRequiredService<Received>();
        await received.WaitForAsync("o-2");
        received.Ids.ShouldBe(["o-1", "o-2"]);
        await WaitUntilAsync(() => Count("SELECT COUNT(*) FROM conveyor_dead_letters;") == 2, "both unrelayable rows are dead-lettered");
        var deadLetters = await relay.Services.GetRequiredService<Failures.DeadLetters.IDeadLetterStore>()
            .ListAsync(new Failures.DeadLetters.DeadLetterQuery(), default);
        deadLetters.Items.ShouldAllBe(d => d.EndpointId == "conveyor.outbox");
        deadLetters.Items.ShouldContain(d => d.ExceptionMessage.Contains("headers cannot be read"));
        deadLetters.Items.ShouldContain(d => d.ChannelName == "removed-channel" && d.ExceptionMessage.Contains("no channel or publisher named 'removed-channel'"));
        await WaitUntilAsync(() => Count("SELECT COUNT(*) FROM conveyor_outbox;") == 0, "every row is done");
        await relay.StopAsync();
    }

    [Fact]
    public async Task OutboxTurnedOff_HandlerEventsSentStraight()
    {
        using var host = await StartAsync(enabled: false);

        await host.Services.GetRequiredService<ICommandBus>().SendAsync(new PlaceOrder("o-1", FailAfterPublish: false));

        await host.Services.GetRequiredService<Received>().WaitForAsync("o-1");
        Count("SELECT COUNT(*) FROM conveyor_outbox;").ShouldBe(0);
        await host.StopAsync();
    }

    [Fact]
    public async Task InvalidOptions_FailTheStartWithTheFix()
    {
        var error = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartAsync(lanes: 0));

        error.Message.ShouldContain("Conveyor:Outbox:Lanes is 0; set it to 1 or more");
    }

    public void Dispose() => _file.Dispose();

    private static async Task InsertOrderAsync(IDbUnitOfWork unitOfWork, string id)
    {
        using var insert = unitOfWork.Connection.CreateCommand();
        insert.Transaction = unitOfWork.Transaction;
        insert.CommandText = "INSERT INTO orders (id) VALUES ($id);";
        insert.Parameters.Add(new SqliteParameter("$id", id));
        await insert.ExecuteNonQueryAsync();
    }

    private async Task<IHost> StartAsync(bool relay = true, bool enabled = true, int lanes = 64)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Conveyor:Outbox:Relay"] = relay.ToString(),
            ["Conveyor:Outbox:Enabled"] = enabled.ToString(),
            ["Conveyor:Outbox:Lanes"] = lanes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton<Received>();
        builder.Services.AddConveyor(c => c
            .AddHandler<Orders>()
            .AddHandler<Subscriber>()
            .AddInMemoryChannel("orders")
            .AddInMemoryChannel("events")
            .UseSqlite(_file.ConnectionString));
        var host = builder.Build();
        try
        {
            await host.Services.GetRequiredService<SqliteDatabase>().MigrateAsync(default);
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    private long Count(string sql) => (long)_file.Scalar(sql)!;

    private void Execute(string sql) => _file.Scalar(sql);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, what);
            await Task.Delay(10);
        }
    }
}
