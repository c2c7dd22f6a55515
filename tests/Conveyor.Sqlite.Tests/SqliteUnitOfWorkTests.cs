using Conveyor.Storage;
using Microsoft.Data.Sqlite;
using System.Text;
using Conveyor.Outgoing;
using Conveyor.Scheduling;
using Conveyor.Sqlite.Deduplication;
using Conveyor.Sqlite.Scheduling;
using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Sqlite.Tests;

/// <summary>The SQLite unit of work: the claim, the handler's own SQL and a delayed message commit together or not at all.</summary>
public sealed class SqliteUnitOfWorkTests : IDisposable
{
    private readonly TempDatabase _file = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    public sealed record PlaceOrder(string Id, bool Fail);

    /// <summary>Writes the order through the unit of work's connection, then fails when asked to.</summary>
    public sealed class Orders(SqliteUnitOfWork unitOfWork)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Handle(PlaceOrder order)
        {
            using var insert = unitOfWork.CreateCommand("INSERT INTO orders (id) VALUES ($id);");
            insert.Parameters.AddWithValue("$id", order.Id);
            await insert.ExecuteNonQueryAsync();
            if (order.Fail)
            {
                throw new InvalidOperationException("the payment gateway is down");
            }
        }
    }

    [Fact]
    public async Task HandlerInsert_AndTheClaim_CommitTogether()
    {
        await using var flow = await StartAsync();
        await flow.SendAsync(new PlaceOrder("o-1", Fail: false));

        var run = await flow.RunAsync("orders");

        run.Failed.ShouldBe(0);
        Count("SELECT COUNT(*) FROM orders WHERE id = 'o-1';").ShouldBe(1);
        Count("SELECT COUNT(*) FROM conveyor_deduplication WHERE endpoint_id = 'orders.place' AND pending_until IS NULL;").ShouldBe(1);
        Count($"SELECT COUNT(*) FROM conveyor_deduplication WHERE expires_at = {long.MaxValue};").ShouldBe(0, "the commit stamped the claim's expiry");
    }

    [Fact]
    public async Task HandlerThrowsAfterItsInsert_NeitherTheInsertNorTheClaimExists()
    {
        await using var flow = await StartAsync();
        await flow.SendAsync(new PlaceOrder("o-1", Fail: true));

        var run = await flow.RunAsync("orders", expectFailures: true);

        run.Failed.ShouldBe(1);
        Count("SELECT COUNT(*) FROM orders;").ShouldBe(0);
        Count("SELECT COUNT(*) FROM conveyor_deduplication;").ShouldBe(0);
    }

    [Fact]
    public async Task Duplicate_OfACommittedMessage_DoesNotRunTheHandlerAgain()
    {
        await using var flow = await StartAsync();
        await flow.SendAsync(new PlaceOrder("o-1", Fail: false));
        var sent = flow.RecordedMessages("orders").ShouldHaveSingleItem();
        await flow.Channel("orders").SendAsync(sent.Copy(), CancellationToken.None);

        var run = await flow.RunAsync("orders");

        run.Failed.ShouldBe(0, "a second run of the handler would fail on the orders table's primary key");
        Count("SELECT COUNT(*) FROM orders;").ShouldBe(1);
    }

    [Fact]
    public async Task ClaimInTheUnitOfWork_RolledBack_IsClaimableAgain_Committed_IsADuplicate()
    {
        var database = _file.Open();
        var store = new SqliteDeduplicationStore(database, TimeSpan.FromMinutes(10), _clock, 100);
        var factory = new StoreUnitOfWorkFactory<SqliteUnitOfWork>(typeof(SqliteConnection), database.BeginUnitOfWorkAsync, new ServiceCollection().BuildServiceProvider());
        using var services = new ServiceCollection().BuildServiceProvider();

        var failed = await factory.BeginAsync(services, default);
        (await store.TryClaimAsync("e", "k", failed, default)).ShouldBeTrue();
        await failed.RollbackAsync(default);

        var handled = await factory.BeginAsync(services, default);
        (await store.TryClaimAsync("e", "k", handled, default)).ShouldBeTrue("the rolled-back claim left nothing");
        await handled.CommitAsync(default);

        var duplicate = await factory.BeginAsync(services, default);
        (await store.TryClaimAsync("e", "k", duplicate, default)).ShouldBeFalse();
        await duplicate.RollbackAsync(default);
    }

    [Fact]
    public async Task DelayedMessageSentInTheUnitOfWork_JoinsItsTransaction_WithoutWaitingForItsLock()
    {
        // A short busy timeout: a scheduler that waited for the lock the unit of work holds would fail fast.
        var database = _file.Open(TimeSpan.FromSeconds(2));
        var scheduler = new SqliteMessageScheduler(database, _file.Options(), _clock, NullLogger<SqliteMessageScheduler>.Instance);
        var factory = new StoreUnitOfWorkFactory<SqliteUnitOfWork>(typeof(SqliteConnection), database.BeginUnitOfWorkAsync, new ServiceCollection().BuildServiceProvider());
        using var services = new ServiceCollection().BuildServiceProvider();
        var middleware = new Conveyor.Storage.AmbientUnitOfWorkMiddleware<SqliteUnitOfWork>();

        var rolledBack = (SqliteUnitOfWork)await factory.BeginAsync(services, default);
        await middleware.SendAsync(Outgoing("m-1", rolledBack), (m, ct) => Schedule(scheduler, m, ct), default);
        await rolledBack.RollbackAsync(default);
        (await scheduler.CountPendingAsync(default)).ShouldBe(0, "the delayed message rolled back with the unit of work");

        var committed = (SqliteUnitOfWork)await factory.BeginAsync(services, default);
        await middleware.SendAsync(Outgoing("m-2", committed), (m, ct) => Schedule(scheduler, m, ct), default);
        await committed.CommitAsync(default);
        (await scheduler.CountPendingAsync(default)).ShouldBe(1);
    }

    private static OutgoingMessage Outgoing(string id, SqliteUnitOfWork unitOfWork)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        return new OutgoingMessage(new TransportMessage(headers, Encoding.UTF8.GetBytes(id)), "orders", OutgoingIntent.Send) { UnitOfWork = unitOfWork };
    }

    private ValueTask Schedule(IMessageScheduler scheduler, OutgoingMessage message, CancellationToken cancellationToken) =>
        scheduler.ScheduleAsync(new ScheduledMessage(message.Destination, message.Message, _clock.GetUtcNow().AddHours(1), Redeliver: false), cancellationToken);

    private async Task<ConveyorFlow> StartAsync()
    {
        var database = _file.Open();
        await database.MigrateAsync(default);
        await using (var connection = await database.OpenConnectionAsync(default))
        {
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE orders (id TEXT NOT NULL PRIMARY KEY);";
            await create.ExecuteNonQueryAsync();
        }

        return ConveyorFlow.Bootstrap(c => c.AddHandler<Orders>().AddInMemoryChannel("orders").UseSqlite(_file.ConnectionString));
    }

    private long Count(string sql) => (long)_file.Scalar(sql)!;

    public void Dispose() => _file.Dispose();
}
