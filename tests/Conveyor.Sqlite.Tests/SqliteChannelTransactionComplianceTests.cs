using Conveyor.Channels.Database;
using Conveyor.Compliance.Channels;
using Conveyor.Deduplication;
using Conveyor.Sqlite.Channels;
using Conveyor.Sqlite.Deduplication;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Sqlite.Tests;

/// <summary>The SQLite channel (a transaction per message: it has no batch transaction) against the database channel transaction compliance suite.</summary>
public sealed class SqliteChannelTransactionComplianceTests : DatabaseChannelTransactionCompliance
{
    private readonly TempDatabase _file = new();
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private SqliteDatabase? _database;

    private SqliteDatabase Database => _database ??= _file.Open();

    /// <summary>SQLite has no batch transaction: with the option on or off, each message has a transaction of its own.</summary>
    protected override bool TransactionPerBatch => false;

    protected override IDatabaseChannelStore CreateStore() => new SqliteChannelStore(Database);

    protected override async ValueTask<IDbUnitOfWork> BeginUnitOfWorkAsync() => await Database.BeginUnitOfWorkAsync(_services, default);

    protected override IDeduplicationStore CreateDeduplicationStore() => new SqliteDeduplicationStore(Database, TimeSpan.FromMinutes(10), TimeProvider.System, 100);

    public override async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        _file.Dispose();
    }
}
