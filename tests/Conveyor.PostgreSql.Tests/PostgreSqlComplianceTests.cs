using Conveyor.Compliance;
using Conveyor.Compliance.Scheduling;
using Conveyor.Deduplication;
using Conveyor.Failures.DeadLetters;
using Conveyor.PostgreSql.DeadLetters;
using Conveyor.PostgreSql.Deduplication;
using Conveyor.PostgreSql.Scheduling;
using Conveyor.Scheduling;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conveyor.PostgreSql.Tests;

/// <summary>
/// The suite's own (in-memory) unit of work: the store claims as pending, in a transaction of its own, and the unit
/// of work's end stamps or deletes the claim.
/// </summary>
public sealed class PostgreSqlDeduplicationStoreComplianceTests(TestDatabase database)
    : DeduplicationStoreCompliance, IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestSchema _schema = new(database);

    // A batch of two makes the suite's clean-up of two keys take two batches.
    protected override IDeduplicationStore CreateStore(TimeProvider time, TimeSpan retention) =>
        new PostgreSqlDeduplicationStore(_schema.Open(), retention, time, cleanupBatchSize: 2);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}

/// <summary>
/// The store's own unit of work: the claim is a row in its transaction, and a second claim of the key waits on that
/// row's lock in PostgreSQL until the first transaction ends.
/// </summary>
public sealed class PostgreSqlDeduplicationInTransactionComplianceTests(TestDatabase database)
    : DeduplicationStoreCompliance, IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly ServiceProvider NoServices = new ServiceCollection().BuildServiceProvider();
    private readonly TestSchema _schema = new(database);
    private PostgreSqlDatabase? _database;

    private PostgreSqlDatabase Database => _database ??= _schema.Open();

    protected override IDeduplicationStore CreateStore(TimeProvider time, TimeSpan retention) =>
        new PostgreSqlDeduplicationStore(Database, retention, time, cleanupBatchSize: 2);

    protected override async ValueTask<IUnitOfWork> BeginUnitOfWorkAsync() => await Database.BeginUnitOfWorkAsync(NoServices, default);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}

public sealed class PostgreSqlDeadLetterStoreComplianceTests(TestDatabase database)
    : DeadLetterStoreCompliance, IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestSchema _schema = new(database);

    protected override Task<IDeadLetterStore> CreateStoreAsync() => Task.FromResult<IDeadLetterStore>(new PostgreSqlDeadLetterStore(_schema.Open()));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}

public sealed class PostgreSqlSchedulerComplianceTests(TestDatabase database) : SchedulerCompliance, IClassFixture<TestDatabase>
{
    private readonly TestSchema _schema = new(database);

    protected override Task<IMessageScheduler> CreateSchedulerAsync(TimeProvider time) =>
        Task.FromResult<IMessageScheduler>(new PostgreSqlMessageScheduler(_schema.Open(), _schema.Options(), time, NullLogger<PostgreSqlMessageScheduler>.Instance));

    protected override async Task CleanupAsync() => await _schema.DisposeAsync();
}
