using Conveyor.Compliance.UnitOfWork;
using Conveyor.Deduplication;
using Conveyor.Sqlite.Deduplication;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Sqlite.Tests;

public sealed class SqliteUnitOfWorkComplianceTests : DbUnitOfWorkCompliance
{
    private readonly TempDatabase _file = new();
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private SqliteDatabase? _database;

    private SqliteDatabase Database => _database ??= _file.Open();

    protected override async ValueTask<IUnitOfWork> BeginAsync() => await Database.BeginUnitOfWorkAsync(_services, default);

    protected override IDeduplicationStore CreateDeduplicationStore() => new SqliteDeduplicationStore(Database, TimeSpan.FromMinutes(10), TimeProvider.System, 100);

    public override async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        _file.Dispose();
    }
}
