using Conveyor.Channels;
using Conveyor.Channels.Database;
using Conveyor.Compliance.Channels;
using Conveyor.Compliance.Outbox;
using Conveyor.Outbox;
using Conveyor.PostgreSql.Channels;
using Conveyor.PostgreSql.Outbox;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.PostgreSql.Tests;

public sealed class PostgreSqlOutboxStoreComplianceTests(TestDatabase database)
    : OutboxStoreCompliance, IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly ServiceProvider NoServices = new ServiceCollection().BuildServiceProvider();
    private readonly TestSchema _schema = new(database);
    private PostgreSqlDatabase? _database;

    private PostgreSqlDatabase Database => _database ??= _schema.Open();

    protected override Task<IOutboxStore> CreateStoreAsync() => Task.FromResult<IOutboxStore>(new PostgreSqlOutboxStore(Database));

    protected override async Task<IUnitOfWork> BeginAsync() => await Database.BeginUnitOfWorkAsync(NoServices, default);

    protected override async Task CorruptHeadersAsync(long id) =>
        (await _schema.CountAsync($"WITH c AS (UPDATE conveyor_outbox SET headers = '\\xFF0102' WHERE id = {id} RETURNING 1) SELECT COUNT(*) FROM c;")).ShouldBe(1);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}

public sealed class PostgreSqlChannelComplianceTests(TestDatabase database) : ChannelCompliance, IClassFixture<TestDatabase>
{
    private readonly TestSchema _schema = new(database);

    protected override Task<IReceivingChannel> CreateChannelAsync(TimeProvider time) =>
        Task.FromResult<IReceivingChannel>(new DatabaseChannel(
            "compliance", new PostgreSqlChannelStore(_schema.Open()), new DatabaseChannelOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, time));

    protected override async Task CleanupAsync() => await _schema.DisposeAsync();
}
