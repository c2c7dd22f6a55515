using Conveyor.Aggregates;
using Conveyor.EventSourcing;
using Conveyor.PostgreSql.Aggregates;
using Conveyor.PostgreSql.EventSourcing;
using Conveyor.Storage;
using Conveyor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.PostgreSql.Tests;

/// <summary>
/// Aggregates on PostgreSQL under concurrency: writers to one instance conflict, and the loser's retry applies on the
/// new version; positions follow commit order. (What every database store does with aggregates is in
/// <see cref="PostgreSqlAggregateTests"/>.)
/// </summary>
public sealed class PostgreSqlAggregateConcurrencyTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly ServiceProvider NoServices = new ServiceCollection().BuildServiceProvider();
    private readonly TestSchema _schema = new(database);

    public sealed record OpenCart(string CartId);

    public sealed record AddItemOnce(string CartId, string Sku);

    public sealed record AddItemWithRetries(string CartId, string Sku);

    /// <summary>Holds handlers until <c>parties</c> of them have loaded the instance, so that they race to save it.</summary>
    public sealed class LoadBarrier(int parties)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public int Arrivals => Volatile.Read(ref _arrived);

        public Task ArriveAsync()
        {
            if (Interlocked.Increment(ref _arrived) >= parties)
            {
                _all.TrySetResult();
            }

            return _all.Task.WaitAsync(Timeout);
        }
    }

    [Aggregate]
    public sealed class Cart : AggregateRoot
    {
        [Identifier]
        public string CartId { get; private set; } = "";

        public List<string> Items { get; private set; } = [];

        [CommandHandler(EndpointId = "cart.open.now")]
        public static Cart OpenNow(OpenCart command) => new() { CartId = command.CartId };

        [CommandHandler]
        public async Task AddOnce(AddItemOnce command, LoadBarrier barrier)
        {
            await barrier.ArriveAsync();
            Items.Add(command.Sku);
        }

        [CommandHandler]
        [InstantRetry(3)]
        public async Task AddWithRetries(AddItemWithRetries command, LoadBarrier barrier)
        {
            await barrier.ArriveAsync();
            Items.Add(command.Sku);
        }
    }

    private ConveyorFlow Host(LoadBarrier barrier) => ConveyorFlow.Bootstrap(
        c => c.AddHandler<Cart>().UsePostgreSql(_schema.ConnectionString, o => o.Schema = _schema.Name),
        services => services.AddSingleton(barrier));

    [Fact]
    public async Task TwoConcurrentCommands_WithoutRetries_OneWinsTheOtherFailsWithTheConflict()
    {
        await using var flow = Host(new LoadBarrier(2));
        await flow.SendAsync(new OpenCart("c-1"));

        var results = await Task.WhenAll(
            Attempt(() => flow.SendAsync(new AddItemOnce("c-1", "first"))),
            Attempt(() => flow.SendAsync(new AddItemOnce("c-1", "second"))));

        results.Count(e => e is null).ShouldBe(1);
        results.Single(e => e is not null).ShouldBeOfType<ConcurrencyConflictException>().Message.ShouldContain("is at version 2, not 1 as loaded");
        (await _schema.ScalarAsync("SELECT version FROM conveyor_aggregates WHERE aggregate_type = 'Cart' AND id = 'c-1';")).ShouldBe(2L);
    }

    [Fact]
    public async Task TwoConcurrentCommands_WithInstantRetries_TheLoserReloadsAndBothApply()
    {
        var barrier = new LoadBarrier(2);
        await using var flow = Host(barrier);
        await flow.SendAsync(new OpenCart("c-1"));

        await Task.WhenAll(
            Task.Run(async () => await flow.SendAsync(new AddItemWithRetries("c-1", "first"))),
            Task.Run(async () => await flow.SendAsync(new AddItemWithRetries("c-1", "second"))));

        barrier.Arrivals.ShouldBe(3, "both loaded version 1, and the loser ran once more on version 2");
        (await _schema.ScalarAsync("SELECT version FROM conveyor_aggregates WHERE aggregate_type = 'Cart' AND id = 'c-1';")).ShouldBe(3L);
        var state = (string)(await _schema.ScalarAsync("SELECT state FROM conveyor_aggregates WHERE aggregate_type = 'Cart' AND id = 'c-1';"))!;
        state.ShouldContain("first");
        state.ShouldContain("second");
    }

    [Fact]
    public async Task SaveInAUnitOfWork_WaitsForAnotherUnitOfWorksUncommittedSave_ThenConflicts_AndItsRetrySucceeds()
    {
        var postgres = _schema.Open();
        await Store(postgres, null).SaveAsync("Cart", "c-1", "{}", 0, 1, default);
        await using var winner = await postgres.BeginUnitOfWorkAsync(NoServices, default);
        await using var loser = await postgres.BeginUnitOfWorkAsync(NoServices, default);
        (await Store(postgres, loser).LoadAsync("Cart", "c-1", default))!.Version.ShouldBe(1);

        await Store(postgres, winner).SaveAsync("Cart", "c-1", """{"by":"winner"}""", 1, 2, default);
        var losing = Store(postgres, loser).SaveAsync("Cart", "c-1", """{"by":"loser"}""", 1, 2, default).AsTask();
        await WaitUntilWaitingOnALockAsync();
        losing.IsCompleted.ShouldBeFalse("the loser waits for the winner's row lock");
        await winner.CommitAsync(default);

        (await Should.ThrowAsync<ConcurrencyConflictException>(losing.WaitAsync(Timeout))).Message.ShouldContain("is at version 2, not 1 as loaded");
        await loser.RollbackAsync(default);

        await using var retry = await postgres.BeginUnitOfWorkAsync(NoServices, default);
        var reloaded = await Store(postgres, retry).LoadAsync("Cart", "c-1", default);
        reloaded.ShouldBe(new AggregateStateRecord("""{"by":"winner"}""", 2));
        await Store(postgres, retry).SaveAsync("Cart", "c-1", """{"by":"retry"}""", 2, 3, default);
        await retry.CommitAsync(default);
        (await Store(postgres, null).LoadAsync("Cart", "c-1", default)).ShouldBe(new AggregateStateRecord("""{"by":"retry"}""", 3));
    }

    [Fact]
    public async Task AppendInAUnitOfWork_WaitsForAnotherUnitOfWorksAppendToTheStream_ThenConflicts()
    {
        var postgres = _schema.Open();
        await using var winner = await postgres.BeginUnitOfWorkAsync(NoServices, default);
        await using var loser = await postgres.BeginUnitOfWorkAsync(NoServices, default);

        await Events(postgres, winner).AppendAsync("s-1", 0, [Event("winner")], default);
        var losing = Events(postgres, loser).AppendAsync("s-1", 0, [Event("loser")], default).AsTask();
        await WaitUntilWaitingOnALockAsync();
        losing.IsCompleted.ShouldBeFalse("appends to one stream take turns");
        await winner.CommitAsync(default);

        (await Should.ThrowAsync<ConcurrencyConflictException>(losing.WaitAsync(Timeout))).Message.ShouldContain("s-1");
        await loser.RollbackAsync(default);
        (await Events(postgres, null).ReadStreamAsync("s-1", 1, default)).ShouldHaveSingleItem().Data.ShouldBe(Event("winner").Data);
    }

    [Fact]
    public async Task Positions_FollowCommitOrder_AReaderPagingByPositionMissesNoEventOfASlowerTransaction()
    {
        var postgres = _schema.Open();
        var reader = Events(postgres, null);
        await using var slow = await postgres.BeginUnitOfWorkAsync(NoServices, default);
        await using var fast = await postgres.BeginUnitOfWorkAsync(NoServices, default);

        // The slow transaction appends first, but commits last: with positions from a sequence it would hold 1, and a
        // reader that already read the fast one's 2 would never see it.
        await Events(postgres, slow).AppendAsync("slow", 0, [Event("slow")], default);
        (await Events(postgres, slow).ReadStreamAsync("slow", 1, default)).ShouldHaveSingleItem().Position.ShouldBe(0, "numbered at the commit");
        await Events(postgres, fast).AppendAsync("fast", 0, [Event("fast")], default);
        await fast.CommitAsync(default);

        var first = await reader.ReadAllAsync(0, 10, default);
        first.ShouldHaveSingleItem().StreamId.ShouldBe("fast");
        await slow.CommitAsync(default);
        var next = await reader.ReadAllAsync(first[^1].Position, 10, default);

        next.ShouldHaveSingleItem().StreamId.ShouldBe("slow");
        first.Concat(next).Select(e => e.Position).ShouldBe([1L, 2L]);
    }

    private static EventData Event(string data) => new("Happened", $$"""{"by":"{{data}}"}""", null);

    private static PostgreSqlAggregateStateStore Store(PostgreSqlDatabase postgres, PostgreSqlUnitOfWork? unitOfWork) =>
        new(new PostgreSqlStoreTransaction(postgres, new UnitOfWorkSlot<PostgreSqlUnitOfWork> { Current = unitOfWork }));

    private static PostgreSqlEventStore Events(PostgreSqlDatabase postgres, PostgreSqlUnitOfWork? unitOfWork) =>
        new(new PostgreSqlStoreTransaction(postgres, new UnitOfWorkSlot<PostgreSqlUnitOfWork> { Current = unitOfWork }), TimeProvider.System);

    /// <summary>Polls until a session of this test's database waits on a lock (the loser's statement), with a deadline.</summary>
    private async Task WaitUntilWaitingOnALockAsync()
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (await _schema.CountAsync("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock';") == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No session waited on a lock within 30 seconds.");
            }

            await Task.Delay(10);
        }
    }

    private static Task<Exception?> Attempt(Func<ValueTask> send) => Task.Run(async () =>
    {
        try
        {
            await send();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
