using Conveyor.Storage;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Conveyor.Channels;
using Conveyor.Channels.Database;
using Conveyor.Compliance.Channels.Database;
using Conveyor.Failures.DeadLetters;
using Conveyor.Outgoing;
using Conveyor.Sqlite.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Sqlite.Tests;

/// <summary>
/// The SQLite database channel in an application: sends and acknowledgements in the handler's transaction, competing
/// consumers, a dead consumer's lease, a corrupt row.
/// </summary>
public sealed class SqliteChannelTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDatabase _file = new();

    public sealed record PlaceOrder(string Id);

    /// <summary>Writes the order in the unit of work and sends it on to shipping, another database channel.</summary>
    public sealed class Orders(SqliteUnitOfWork unitOfWork, ICommandBus bus)
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.place")]
        public async Task Handle(PlaceOrder order)
        {
            using var insert = unitOfWork.CreateCommand("INSERT INTO orders (id) VALUES ($id);");
            insert.Parameters.AddWithValue("$id", order.Id);
            await insert.ExecuteNonQueryAsync();
            await bus.SendAsync(new ShipOrder(order.Id));
        }
    }

    [Fact]
    public async Task HandlerOnADatabaseChannel_WritesAndSendsToAnother_AndItsMessageIsGone()
    {
        await CreateOrdersTableAsync();
        var shipped = new Shipped();
        await using var provider = Build(c => c.AddHandler<Orders>().AddHandler<Shipping>().AddSqliteChannel("orders").AddSqliteChannel("shipping"), s => s.AddSingleton(shipped));
        var bus = provider.GetRequiredService<ICommandBus>();
        await bus.SendAsync(new PlaceOrder("o-1"));
        await bus.SendAsync(new PlaceOrder("o-2"));
        Count("SELECT COUNT(*) FROM conveyor_channel_messages WHERE channel = 'orders';").ShouldBe(2, "sent messages wait in the table");

        var orders = await RunUntilEmptyAsync(provider, "orders");

        orders.Finished.ShouldBe(2);
        orders.Failed.ShouldBe(0);
        Count("SELECT COUNT(*) FROM orders;").ShouldBe(2);
        Count("SELECT COUNT(*) FROM conveyor_channel_messages WHERE channel = 'orders';").ShouldBe(0, "each received message's row was deleted");
        Count("SELECT COUNT(*) FROM conveyor_channel_messages WHERE channel = 'shipping';").ShouldBe(2);
        shipped.Ids.ShouldBeEmpty();

        await RunUntilEmptyAsync(provider, "shipping");

        shipped.Ids.Order(StringComparer.Ordinal).ShouldBe(["o-1", "o-2"]);
        Count("SELECT COUNT(*) FROM conveyor_channel_messages;").ShouldBe(0);
    }

    [Fact]
    public async Task MessageSentInAUnitOfWork_IsInsertedInItsTransaction_WithoutWaitingForItsLock()
    {
        // A short busy timeout: an insert that waited for the lock the unit of work holds would fail fast.
        var database = _file.Open(TimeSpan.FromSeconds(2));
        var channel = new DatabaseChannel("orders", new SqliteChannelStore(database));
        var factory = new StoreUnitOfWorkFactory<SqliteUnitOfWork>(typeof(SqliteConnection), database.BeginUnitOfWorkAsync, new ServiceCollection().BuildServiceProvider());
        using var services = new ServiceCollection().BuildServiceProvider();
        var middleware = new AmbientUnitOfWorkMiddleware<SqliteUnitOfWork>();

        var rolledBack = (SqliteUnitOfWork)await factory.BeginAsync(services, default);
        await middleware.SendAsync(Outgoing("m-1", rolledBack), (m, ct) => channel.SendAsync(m.Message, ct), default);
        await rolledBack.RollbackAsync(default);
        (await channel.GetLagAsync(default)).ShouldBe(0, "the message rolled back with the unit of work");

        var committed = (SqliteUnitOfWork)await factory.BeginAsync(services, default);
        await middleware.SendAsync(Outgoing("m-2", committed), (m, ct) => channel.SendAsync(m.Message, ct), default);
        await committed.CommitAsync(default);
        (await channel.GetLagAsync(default)).ShouldBe(1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Acknowledgement_InTheHandlersUnitOfWork_CommitsOrRollsBackWithIt(bool commit)
    {
        var database = _file.Open();
        var channel = new DatabaseChannel("orders", new SqliteChannelStore(database), new DatabaseChannelOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        var factory = new StoreUnitOfWorkFactory<SqliteUnitOfWork>(typeof(SqliteConnection), database.BeginUnitOfWorkAsync, new ServiceCollection().BuildServiceProvider());
        using var services = new ServiceCollection().BuildServiceProvider();
        await channel.SendAsync(Message("m-1"), default);

        // The handler acknowledges in its unit of work, then stops the loop: a stop leaves a message it did not
        // delete for the next consumer, so only the unit of work's delete can make it gone.
        var stopped = await channel.ReceiveAsync(
            async (inbound, ct) =>
            {
                var unitOfWork = await factory.BeginAsync(services, ct);
                await inbound.AcknowledgeInAsync(unitOfWork, ct);
                if (commit)
                {
                    await unitOfWork.CommitAsync(ct);
                }
                else
                {
                    await unitOfWork.RollbackAsync(ct);
                }

                return Acknowledgement.Stop;
            },
            new ReceiveOptions(),
            default).WaitAsync(Timeout);

        stopped.StoppedOn.ShouldBe("m-1");
        (await channel.GetLagAsync(default)).ShouldBe(commit ? 0 : 1);
    }

    [Fact]
    public async Task CompetingHosts_OnOneFile_HandleEachMessageOnce()
    {
        var all = new ConcurrentQueue<(string Host, int Number)>();
        await using var one = Build(c => c.AddHandler<Worker>().AddSqliteChannel("work", o => o.BatchSize = 5), s => s.AddSingleton(new Handled("one", all)));
        await using var two = Build(c => c.AddHandler<Worker>().AddSqliteChannel("work", o => o.BatchSize = 5), s => s.AddSingleton(new Handled("two", all)));
        var bus = one.GetRequiredService<ICommandBus>();
        for (var i = 0; i < 200; i++)
        {
            await bus.SendAsync(new Work(i));
        }

        using var stop = new CancellationTokenSource();
        var runs = new[] { one, two }.Select(p => p.GetRequiredService<IConsumerRunner>().RunAsync("work", cancellationToken: stop.Token)).ToArray();
        try
        {
            await WaitUntilAsync(() => all.Count >= 200 || runs.Any(r => r.IsCompleted), "200 messages were handled");
        }
        finally
        {
            await stop.CancelAsync();
        }

        await Task.WhenAll(runs).WaitAsync(Timeout);
        all.Select(x => x.Number).Order().ShouldBe(Enumerable.Range(0, 200), "each message was handled once");
        Count("SELECT COUNT(*) FROM conveyor_channel_messages;").ShouldBe(0);
    }

    [Fact]
    public async Task MessageLeasedByAConsumerThatDied_IsDeliveredToAnother_AfterTheLease()
    {
        var database = _file.Open();
        var store = new SqliteChannelStore(database);
        var channel = new DatabaseChannel("orders", store, new DatabaseChannelOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        await channel.SendAsync(Message("m-1"), default);
        var lease = TimeSpan.FromSeconds(1);
        var leasedAt = Stopwatch.StartNew();
        (await store.LeaseAsync("orders", "crashed-consumer", lease, 10, DateTimeOffset.UtcNow, default)).ShouldHaveSingleItem();

        var received = new TaskCompletionSource<(string? Id, TimeSpan After)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var run = channel.ReceiveAsync(
            (inbound, _) =>
            {
                received.TrySetResult((inbound.Message.MessageId, leasedAt.Elapsed));
                return ValueTask.FromResult(Acknowledgement.Completed);
            },
            new ReceiveOptions(),
            stop.Token);

        var (id, after) = await received.Task.WaitAsync(Timeout);
        await stop.CancelAsync();
        (await run.WaitAsync(Timeout)).Completed.ShouldBe(1);

        id.ShouldBe("m-1");
        after.ShouldBeGreaterThanOrEqualTo(lease - TimeSpan.FromMilliseconds(50), "another consumer took the message while the first one's lease ran");
        (await channel.GetLagAsync(default)).ShouldBe(0);
    }

    [Fact]
    public async Task CorruptRow_GoesToTheDeadLetterWithTheReason_AndTheRestFlows()
    {
        var shipped = new Shipped();
        await using var provider = Build(c => c.AddHandler<Shipping>().AddSqliteChannel("shipping"), s => s.AddSingleton(shipped));
        var bus = provider.GetRequiredService<ICommandBus>();
        await bus.SendAsync(new ShipOrder("before"));
        _file.Scalar("INSERT INTO conveyor_channel_messages (channel, headers, body, available_at) VALUES ('shipping', x'07000000', x'7b7d', 0);");
        await bus.SendAsync(new ShipOrder("after"));

        var run = await RunUntilEmptyAsync(provider, "shipping");

        run.Finished.ShouldBe(3);
        shipped.Ids.ShouldBe(["before", "after"]);
        var dead = (await provider.GetRequiredService<IDeadLetterStore>().ListAsync(new DeadLetterQuery(), default)).Items.ShouldHaveSingleItem();
        dead.ExceptionMessage.ShouldContain("cannot be read");
        dead.ExceptionMessage.ShouldContain("format 7");
        dead.ChannelName.ShouldBe("shipping");
        Encoding.UTF8.GetString(dead.Message.Body.Span).ShouldBe("{}");
        Count("SELECT COUNT(*) FROM conveyor_channel_messages;").ShouldBe(0);
    }

    [Fact]
    public async Task OptionsFromConfiguration_OverrideCode_AndBadOnesFailAtStartUp()
    {
        await using var provider = Build(
            c => c.AddHandler<Shipping>().AddSqliteChannel("shipping", o => o.BatchSize = 3),
            s => s.AddSingleton(new Shipped()).AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Conveyor:DatabaseChannels:shipping:LeaseDuration"] = "00:00:00.5" })
                .Build()));

        var error = Should.Throw<ConveyorConfigurationException>(() => provider.GetRequiredService<IChannelRegistry>().Names);

        error.Message.ShouldContain("Database channel 'shipping': LeaseDuration 00:00:00.5000000 must be at least one second");
    }

    [Fact]
    public async Task SqliteChannel_WithoutUseSqlite_FailsAtStartUpSayingWhatToAdd()
    {
        await using var provider = new ServiceCollection()
            .AddConveyor(c => c.AddHandler<Shipping>().AddSqliteChannel("shipping"))
            .AddSingleton(new Shipped())
            .BuildServiceProvider();

        var error = Should.Throw<ConveyorConfigurationException>(() => provider.GetRequiredService<IChannelRegistry>().Names);

        error.Message.ShouldContain("Call UseSqlite(");
    }

    private ServiceProvider Build(Action<ConveyorBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection().AddLogging();
        services?.Invoke(collection);
        collection.AddConveyor(c =>
        {
            configure(c);
            c.UseSqlite(_file.ConnectionString);
        });
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private static Task<ConsumerRunResult> RunUntilEmptyAsync(IServiceProvider provider, string name) =>
        provider.GetRequiredService<IConsumerRunner>().RunAsync(name, new ConsumerRunOptions { StopWhenEmpty = true }).WaitAsync(Timeout);

    private async Task CreateOrdersTableAsync()
    {
        var database = _file.Open();
        await using var connection = await database.OpenConnectionAsync(default);
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE orders (id TEXT NOT NULL PRIMARY KEY);";
        await create.ExecuteNonQueryAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            deadline.Elapsed.ShouldBeLessThan(Timeout, $"still waiting until {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    private static TransportMessage Message(string id)
    {
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, id);
        return new TransportMessage(headers, Encoding.UTF8.GetBytes(id));
    }

    private static OutgoingMessage Outgoing(string id, SqliteUnitOfWork unitOfWork) =>
        new(Message(id), "orders", OutgoingIntent.Send) { UnitOfWork = unitOfWork };

    private long Count(string sql) => (long)_file.Scalar(sql)!;

    public void Dispose() => _file.Dispose();
}
