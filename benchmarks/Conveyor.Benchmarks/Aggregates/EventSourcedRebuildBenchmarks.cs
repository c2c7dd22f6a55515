using BenchmarkDotNet.Attributes;
using Conveyor.Aggregates;
using Conveyor.Serialization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Aggregates;

public sealed record Deposit(string AccountId, decimal Amount);

public sealed record SnapshottedDeposit(string AccountId, decimal Amount);

public sealed record Deposited(string AccountId, decimal Amount);

[EventSourcedAggregate]
public sealed class Account : AggregateRoot
{
    [Identifier]
    public string AccountId { get; private set; } = "";

    public decimal Balance { get; private set; }

    [CommandHandler]
    public void Handle(Deposit command) => RecordThat(new Deposited(command.AccountId, command.Amount));

    [EventSourcingHandler]
    private void On(Deposited deposited)
    {
        AccountId = deposited.AccountId;
        Balance += deposited.Amount;
    }

    [CommandHandler]
    public static Account Open(OpenAccount command)
    {
        var account = new Account();
        account.RecordThat(new Deposited(command.AccountId, 0));
        return account;
    }
}

public sealed record OpenAccount(string AccountId);

public sealed record OpenSnapshottedAccount(string AccountId);

[EventSourcedAggregate(SnapshotEvery = 100)]
public sealed class SnapshottedAccount : AggregateRoot
{
    [Identifier]
    public string AccountId { get; private set; } = "";

    public decimal Balance { get; private set; }

    [CommandHandler]
    public void Handle(SnapshottedDeposit command) => RecordThat(new Deposited(command.AccountId, command.Amount));

    [EventSourcingHandler]
    private void On(Deposited deposited)
    {
        AccountId = deposited.AccountId;
        Balance += deposited.Amount;
    }

    [CommandHandler]
    public static SnapshottedAccount Open(OpenSnapshottedAccount command)
    {
        var account = new SnapshottedAccount();
        account.RecordThat(new Deposited(command.AccountId, 0));
        return account;
    }
}

/// <summary>
/// Loading an event-sourced aggregate of <see cref="Events"/> events from SQLite: a full replay against a load from
/// the latest snapshot (every 100 events) plus the events after it: none for 1,000 events, 99 for 1,099 (the worst case).
/// </summary>
[MemoryDiagnoser]
public class EventSourcedRebuildBenchmarks
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"conveyor-bench-{Guid.NewGuid():N}.db");
    private ServiceProvider _services = null!;
    private AggregatePersistence _full = null!;
    private AggregatePersistence _snapshotted = null!;

    [Params(1000, 1099)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddConveyor(c => c.AddHandler<Account>().AddHandler<SnapshottedAccount>().UseSqlite($"Data Source={_file}"));
        _services = services.BuildServiceProvider();
        var bus = _services.GetRequiredService<ICommandBus>();
        bus.SendAsync(new OpenAccount("a-1")).AsTask().GetAwaiter().GetResult();
        bus.SendAsync(new OpenSnapshottedAccount("a-1")).AsTask().GetAwaiter().GetResult();
        for (var i = 1; i < Events; i++)
        {
            bus.SendAsync(new Deposit("a-1", 1)).AsTask().GetAwaiter().GetResult();
            bus.SendAsync(new SnapshottedDeposit("a-1", 1)).AsTask().GetAwaiter().GetResult();
        }

        var serializer = _services.GetRequiredService<MessageSerializer>();
        var errors = new List<string>();
        _full = AggregatePersistence.For(AggregateModel.Describe(typeof(Account), errors)!, serializer);
        _snapshotted = AggregatePersistence.For(AggregateModel.Describe(typeof(SnapshottedAccount), errors)!, serializer);
        if (Load(_full).Result.Balance != Events - 1 || Load(_snapshotted).Result.Balance != Events - 1)
        {
            throw new InvalidOperationException("The two accounts do not rebuild to the same balance.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }
    }

    [Benchmark(Baseline = true, Description = "rebuild from every event")]
    public Task<decimal> FullReplay() => Balance(_full);

    [Benchmark(Description = "rebuild from the snapshot every 100")]
    public Task<decimal> FromSnapshot() => Balance(_snapshotted);

    private async Task<decimal> Balance(AggregatePersistence persistence) => (await Load(persistence)).Balance;

    private async Task<(decimal Balance, long Version)> Load(AggregatePersistence persistence)
    {
        await using var scope = _services.CreateAsyncScope();
        var aggregate = (await persistence.LoadAsync("a-1", scope.ServiceProvider, CancellationToken.None))!;
        return aggregate switch
        {
            Account account => (account.Balance, account.Version),
            SnapshottedAccount account => (account.Balance, account.Version),
            _ => throw new InvalidOperationException(),
        };
    }
}
