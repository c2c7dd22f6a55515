using Conveyor.Storage;

namespace Conveyor.PostgreSql;

/// <summary>The PostgreSQL stores' schema, for <c>conveyor db migrate</c>.</summary>
internal sealed class PostgreSqlSchemaMigrator(PostgreSqlDatabase database) : ISchemaMigrator
{
    public string Name => database.Name;

    public async Task<SchemaMigration> MigrateAsync(CancellationToken cancellationToken) =>
        new(await database.MigrateAsync(cancellationToken).ConfigureAwait(false), PostgreSqlDatabase.SchemaVersion);
}
