using Conveyor.Storage;

namespace Conveyor.Sqlite;

/// <summary>The SQLite stores' schema, for <c>conveyor db migrate</c>.</summary>
internal sealed class SqliteSchemaMigrator(SqliteDatabase database) : ISchemaMigrator
{
    public string Name => $"SQLite {database.FilePath}";

    public async Task<SchemaMigration> MigrateAsync(CancellationToken cancellationToken) =>
        new(await database.MigrateAsync(cancellationToken).ConfigureAwait(false), SqliteDatabase.SchemaVersion);
}
