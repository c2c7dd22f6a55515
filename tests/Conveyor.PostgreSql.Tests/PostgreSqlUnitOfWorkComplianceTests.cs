using Conveyor.Compliance.UnitOfWork;
using Conveyor.Deduplication;
using Conveyor.PostgreSql.Deduplication;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.PostgreSql.Tests;

public sealed class PostgreSqlUnitOfWorkComplianceTests(TestDatabase database) : DbUnitOfWorkCompliance, IClassFixture<TestDatabase>
{
    private readonly TestSchema _schema = new(database);
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private PostgreSqlDatabase? _database;

    private PostgreSqlDatabase Database => _database ??= _schema.Open();

    protected override async ValueTask<IUnitOfWork> BeginAsync() => await Database.BeginUnitOfWorkAsync(_services, default);

    protected override IDeduplicationStore CreateDeduplicationStore() => new PostgreSqlDeduplicationStore(Database, TimeSpan.FromMinutes(10), TimeProvider.System, 100);

    public override async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
