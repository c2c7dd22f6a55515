using Conveyor.Channels.Database;
using Conveyor.Compliance.Channels;
using Conveyor.Deduplication;
using Conveyor.PostgreSql.Channels;
using Conveyor.PostgreSql.Deduplication;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.PostgreSql.Tests;

/// <summary>The PostgreSQL channel's batch transactions against the database channel transaction compliance suite.</summary>
public class PostgreSqlChannelTransactionComplianceTests(TestDatabase database) : DatabaseChannelTransactionCompliance, IClassFixture<TestDatabase>
{
    private readonly TestSchema _schema = new(database);
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private PostgreSqlDatabase? _database;

    private PostgreSqlDatabase Database => _database ??= _schema.Open();

    protected override IDatabaseChannelStore CreateStore() => new PostgreSqlChannelStore(Database);

    protected override async ValueTask<IDbUnitOfWork> BeginUnitOfWorkAsync() => await Database.BeginUnitOfWorkAsync(_services, default);

    protected override IDeduplicationStore CreateDeduplicationStore() => new PostgreSqlDeduplicationStore(Database, TimeSpan.FromMinutes(10), TimeProvider.System, 100);

    public override async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

/// <summary>The same guarantees with a transaction per message (<see cref="DatabaseChannelOptions.TransactionPerBatch"/> off).</summary>
public sealed class PostgreSqlChannelTransactionPerMessageComplianceTests(TestDatabase database) : PostgreSqlChannelTransactionComplianceTests(database)
{
    protected override bool TransactionPerBatch => false;
}
