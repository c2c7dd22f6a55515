namespace Conveyor.Storage;

/// <summary>
/// Creates or migrates the schema of one configured store (its tables and indexes), so that a deployment step
/// (<c>conveyor db migrate</c>) can apply it ahead of the application's start, with the rights the application may
/// lack. A store package registers one (<c>UseSqlite</c>, <c>UsePostgreSql</c>); the stores also migrate on first use.
/// </summary>
public interface ISchemaMigrator
{
    /// <summary>What is migrated, for people: e.g. <c>SQLite /data/conveyor.db</c>.</summary>
    string Name { get; }

    /// <summary>Brings the schema to the version this package knows; does nothing when it is there already.</summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>The version the schema was at and the one it is at now.</returns>
    /// <exception cref="InvalidOperationException">The database's schema is newer than this package knows.</exception>
    Task<SchemaMigration> MigrateAsync(CancellationToken cancellationToken);
}

/// <summary>What <see cref="ISchemaMigrator.MigrateAsync"/> did.</summary>
/// <param name="From">The schema version before; 0 for a database without the store's tables.</param>
/// <param name="To">The schema version after.</param>
public readonly record struct SchemaMigration(int From, int To)
{
    /// <summary>Whether anything was applied.</summary>
    public bool Applied => From != To;
}
