namespace Conveyor.Storage;

/// <summary>
/// Migrates a store package's schema one caller at a time in this process, and once the stores' first use did it, not
/// again (compiled by each store package, like <see cref="LeasedMessageScheduler"/>). Processes migrating at once are
/// the package's own concern (SQLite's write lock, PostgreSQL's advisory lock).
/// </summary>
/// <param name="migrate">Migrates the schema to <paramref name="latest"/> and returns the version it was at before.</param>
/// <param name="latest">The package's schema version.</param>
/// <param name="migrated">Logs a migration that changed the schema (from, to).</param>
internal sealed class SchemaMigrationGate(Func<CancellationToken, Task<int>> migrate, int latest, Action<int, int> migrated)
{
    private readonly SemaphoreSlim _migrating = new(1, 1);
    private volatile bool _done;

    /// <summary>Migrates (after any migration of this process that is under way).</summary>
    /// <returns>The schema version the database was at before.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await _migrating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = await migrate(cancellationToken).ConfigureAwait(false);
            if (before != latest)
            {
                migrated(before, latest);
            }

            _done = true;
            return before;
        }
        finally
        {
            _migrating.Release();
        }
    }

    /// <summary>Migrates unless this process did already: what a store does before its first statement.</summary>
    /// <returns>A task that completes once the schema is current.</returns>
    public async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        if (!_done)
        {
            await RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
