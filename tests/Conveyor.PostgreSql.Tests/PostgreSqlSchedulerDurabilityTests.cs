using System.Globalization;
using Conveyor.Compliance.Scheduling;
using Conveyor.Storage;

namespace Conveyor.PostgreSql.Tests;

/// <summary>What makes the PostgreSQL scheduler durable: it survives a restart, and instances sharing the database deliver each message once.</summary>
public sealed class PostgreSqlSchedulerDurabilityTests(TestDatabase database) : DurableSchedulerCompliance, IClassFixture<TestDatabase>
{
    private readonly TestSchema _schema = new(database);

    protected override void UseStore(ConveyorBuilder conveyor, Action<DatabaseStoreOptions> configure) =>
        conveyor.UsePostgreSql(_schema.ConnectionString, o =>
        {
            o.Schema = _schema.Name;
            configure(o);
        });

    protected override Task LeaseAsync(long id, string owner, TimeSpan expiresIn) => _schema.ScalarAsync(
        string.Create(CultureInfo.InvariantCulture, $"UPDATE conveyor_scheduled SET lease_owner = '{owner}', lease_expires_at = now() + interval '{expiresIn.TotalSeconds} seconds' WHERE id = {id};"));

    protected override async Task CleanupAsync() => await _schema.DisposeAsync();
}
