using Conveyor.Compliance.Scheduling;
using Conveyor.Storage;

namespace Conveyor.Sqlite.Tests;

/// <summary>What makes the SQLite scheduler durable: it survives a restart, and instances sharing the file deliver each message once.</summary>
public sealed class SqliteSchedulerDurabilityTests : DurableSchedulerCompliance
{
    private readonly TempDatabase _file = new();

    // One write lock: an instance may take every batch before the other gets its turn.
    protected override bool RacingInstancesBothDeliver => false;

    protected override void UseStore(ConveyorBuilder conveyor, Action<DatabaseStoreOptions> configure) =>
        conveyor.UseSqlite(_file.ConnectionString, configure);

    protected override Task LeaseAsync(long id, string owner, TimeSpan expiresIn)
    {
        const string DbNow = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
        _file.Scalar($"UPDATE conveyor_scheduled SET lease_owner = '{owner}', lease_expires_at = {DbNow} + {(long)expiresIn.TotalMilliseconds} WHERE id = {id};");
        return Task.CompletedTask;
    }

    protected override Task CleanupAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }
}
