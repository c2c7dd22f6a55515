using System.Data.Common;
using Conveyor.Failures.DeadLetters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.EntityFrameworkCore.Tests;

/// <summary>
/// A DbContext in a handler commits with the unit of work, whichever the database: a real host, an in-memory channel,
/// the store and the EF Core provider of one database. A database's test class only says how to reach it.
/// </summary>
public abstract class DbContextUnitOfWorkSuite : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private IHost? _host;

    /// <summary>Registers Conveyor's database store.</summary>
    protected abstract void UseStore(ConveyorBuilder conveyor);

    /// <summary>Configures the context's provider on the same database, with its own connection string.</summary>
    protected abstract void UseProvider(DbContextOptionsBuilder options);

    /// <summary>Registers the channels "orders" and "placed": in-memory by default.</summary>
    protected virtual void AddChannels(ConveyorBuilder conveyor) => conveyor.AddInMemoryChannel("orders").AddInMemoryChannel("placed");

    /// <summary>Registers the context: AddDbContext by default.</summary>
    protected virtual void AddContext(IServiceCollection services) => services.AddDbContext<ShopContext>(UseProvider);

    /// <summary>An open connection of the test's own, outside every unit of work.</summary>
    protected abstract DbConnection OpenConnection();

    /// <summary>Counts the committed deduplication claims of a key.</summary>
    protected virtual string ClaimCountSql => "SELECT COUNT(*) FROM conveyor_deduplication WHERE endpoint_id = 'orders.place' AND key = @key";

    /// <summary>
    /// Whether a consumer of a message the handler sent runs only after the handler's unit of work committed. Without
    /// an outbox the hand-over comes before the commit: on SQLite the consumer's unit of work then waits for the
    /// sender's write lock, so it sees the commit; on PostgreSQL nothing makes it wait, and it may run first.
    /// </summary>
    protected virtual bool ConsumersSeeTheSendersCommit => true;

    private Recorder Recorder => _host!.Services.GetRequiredService<Recorder>();

    [Fact]
    public async Task SaveChanges_CommitsWithTheClaim_NotBefore()
    {
        await StartAsync();

        await SendAsync(new PlaceOrder("o-1", Step.Save));

        await UntilAsync(() => CommittedOrders("o-1") == 1);
        CommittedClaims("o-1").ShouldBe(1);
        Recorder.Notes.ShouldContain("o-1: committed outside after SaveChanges: 0", "SaveChanges wrote in the unit of work's transaction, not in one of its own");
        Recorder.Notes.ShouldContain("o-1: orders over 10 before: 0", "the provider prepared the store's connection (EF Core's SQLite provider compares decimals with a function it adds)");
        var contexts = Recorder.Notes.Where(n => n.Contains(" context ", StringComparison.Ordinal)).Select(n => n.Split(' ')[^1]).Distinct().ToList();
        contexts.Count.ShouldBe(1, "the context the interceptor used before the handler is the handler's: " + string.Join(", ", Recorder.Notes));
    }

    [Fact]
    public async Task HandlerThrowsAfterSaveChanges_LeavesNeitherTheRowNorTheClaim()
    {
        await StartAsync();

        await SendAsync(new PlaceOrder("o-1", Step.SaveThenThrow));

        var deadLetters = _host!.Services.GetRequiredService<IDeadLetters>();
        await UntilAsync(async () => (await deadLetters.ListAsync()).Items.Count == 1);
        CommittedOrders("o-1").ShouldBe(0);
        CommittedClaims("o-1").ShouldBe(0);
        Recorder.Attempts["o-1"].ShouldBe(2);
        Recorder.Notes.ShouldContain("o-1: attempt 2 sees 0 rows", "the retry ran after the first attempt's row was rolled back");
    }

    [Fact]
    public async Task RetryAfterAFailedAttempt_RunsFromClean_AndCommitsOnce()
    {
        await StartAsync();

        await SendAsync(new PlaceOrder("o-1", Step.SaveThenThrowOnFirstAttempt));

        await UntilAsync(() => CommittedOrders("o-1") == 1);
        CommittedClaims("o-1").ShouldBe(1);
        Recorder.Notes.ShouldContain("o-1: attempt 2 sees 0 rows");
    }

    [Fact]
    public async Task RedeliveredMessage_DoesNotWriteTwice()
    {
        await StartAsync();

        await SendAsync(new PlaceOrder("o-1", Step.Save));
        await SendAsync(new PlaceOrder("o-1", Step.Save));
        await SendAsync(new PlaceOrder("o-2", Step.Save));

        // The channel is ordered: once o-2 is committed, both copies of o-1 were handled.
        await UntilAsync(() => CommittedOrders("o-2") == 1);
        Recorder.Attempts["o-1"].ShouldBe(1, "the second copy was a duplicate: a second insert would have failed on the key");
        CommittedOrders("o-1").ShouldBe(1);
        CommittedClaims("o-1").ShouldBe(1);
        (await _host!.Services.GetRequiredService<IDeadLetters>().ListAsync()).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task UncommittedRawSqlOnTheUnitOfWork_IsSeenByTheContext()
    {
        await StartAsync();

        await SendAsync(new PlaceOrder("o-1", Step.RawSqlThenSave));

        await UntilAsync(() => CommittedOrders("o-1") == 1);
        Recorder.Notes.ShouldContain("o-1: context sees the raw row: True");
        CommittedOrders("o-1-raw").ShouldBe(1);
    }

    [Fact]
    public async Task MessageSentFromTheHandler_LeavesOnlyWhenTheHandlerSucceeded()
    {
        await StartAsync();

        await SendAsync(new PlaceOrder("o-1", Step.SaveAndPublishThenThrow));
        await SendAsync(new PlaceOrder("o-2", Step.SaveAndPublish));

        // Both orders' events would go to one ordered channel: o-1's would come first.
        await UntilAsync(() => Recorder.Notes.Any(n => n.StartsWith("placed o-2", StringComparison.Ordinal)));
        Recorder.Notes.ShouldNotContain(n => n.StartsWith("placed o-1", StringComparison.Ordinal));
        if (ConsumersSeeTheSendersCommit)
        {
            Recorder.Notes.ShouldContain("placed o-2: committed 1", "the event's handler saw the order its sender committed");
        }

        await UntilAsync(() => CommittedOrders("o-2") == 1);
        CommittedOrders("o-1").ShouldBe(0);
    }

    [Fact]
    public async Task ChangesTheHandlerLeftPending_AreSavedBeforeTheCommit()
    {
        await StartAsync();

        await SendAsync(new PlaceOrder("o-1", Step.LeavePending));

        await UntilAsync(() => CommittedOrders("o-1") == 1);
        CommittedClaims("o-1").ShouldBe(1);
    }

    [Fact]
    public async Task ChangesTheHandlerLeftPending_WithSaveChangesOnCommitOff_AreDiscarded()
    {
        await StartAsync(o => o.SaveChangesOnCommit = false);

        await SendAsync(new PlaceOrder("o-1", Step.LeavePending));
        await SendAsync(new PlaceOrder("o-2", Step.Save));

        await UntilAsync(() => CommittedOrders("o-2") == 1);
        CommittedOrders("o-1").ShouldBe(0);
        CommittedClaims("o-1").ShouldBe(1, "the message was handled: only the unsaved change is discarded");
    }

    [Fact]
    public async Task OutsideAHandledMessage_TheContextIsPlainEfCore()
    {
        await StartAsync();

        await using (var scope = _host!.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
            db.Orders.Add(new Order { Id = "o-1", Customer = "ada" });
            await db.SaveChangesAsync();
            db.Database.CurrentTransaction.ShouldBeNull();
        }

        CommittedOrders("o-1").ShouldBe(1);
    }

    [Fact]
    public async Task ManyMessages_EachJoinsItsOwnUnitOfWork()
    {
        // EF Core refuses to build an internal service provider per context past a few dozen: joining must not need one.
        await StartAsync();

        for (var i = 0; i < 40; i++)
        {
            await SendAsync(new PlaceOrder($"o-{i}", Step.Save));
        }

        await UntilAsync(() => CommittedOrders("o-39") == 1);
        using var connection = OpenConnection();
        OutOfBand.Count(connection, "SELECT COUNT(*) FROM \"Orders\"").ShouldBe(40);
    }

    [Fact]
    public async Task AfterAHandledMessage_TheNextContextIsPlainEfCoreAgain()
    {
        await StartAsync();
        await SendAsync(new PlaceOrder("o-1", Step.Save));
        await UntilAsync(() => CommittedOrders("o-1") == 1);

        await using (var scope = _host!.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
            db.Orders.Add(new Order { Id = "o-2", Customer = "ada" });
            await db.SaveChangesAsync();
        }

        CommittedOrders("o-2").ShouldBe(1);
    }

    /// <summary>Prepares the test's database; nothing by default.</summary>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None).WaitAsync(Deadline);
            _host.Dispose();
        }

        await DisposeDatabaseAsync();
    }

    /// <summary>Removes the test's database.</summary>
    protected abstract ValueTask DisposeDatabaseAsync();

    private async Task StartAsync(Action<ConveyorDbContextOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new Recorder(CommittedOrders));
        AddContext(builder.Services);
        builder.Services.AddConveyor(c =>
        {
            c.AddHandler<OrderHandlers>().AddInterceptor<PeekInterceptor>();
            UseStore(c);
            AddChannels(c);
            c.UseEntityFrameworkCore<ShopContext>(configure);
        });
        _host = builder.Build();

        // The application's tables (EF Core's); Conveyor's own are created by the store.
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ShopContext>().GetService<IRelationalDatabaseCreator>().CreateTablesAsync();
        }

        await _host.StartAsync();
    }

    private ValueTask SendAsync(PlaceOrder order) => _host!.Services.GetRequiredService<ICommandBus>().SendAsync(order);

    private long CommittedOrders(string id)
    {
        using var connection = OpenConnection();
        return OutOfBand.Count(connection, """SELECT COUNT(*) FROM "Orders" WHERE "Id" = @id""", ("@id", id));
    }

    private long CommittedClaims(string key)
    {
        using var connection = OpenConnection();
        return OutOfBand.Count(connection, ClaimCountSql, ("@key", key));
    }

    private Task UntilAsync(Func<bool> condition) => UntilAsync(() => ValueTask.FromResult(condition()));

    /// <summary>Polls <paramref name="condition"/> until the deadline; then fails with what the handlers saw and the dead letters' reasons.</summary>
    private async Task UntilAsync(Func<ValueTask<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                var deadLetters = await _host!.Services.GetRequiredService<IDeadLetters>().ListAsync();
                throw new ShouldAssertException(
                    $"Not reached within {Deadline}. The handlers saw: {string.Join("; ", Recorder.Notes)}. Dead letters: {string.Join("; ", deadLetters.Items.Select(d => d.ExceptionMessage))}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
