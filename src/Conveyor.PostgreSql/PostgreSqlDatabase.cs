using Conveyor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Conveyor.PostgreSql;

/// <summary>
/// The application's PostgreSQL database: one <see cref="NpgsqlDataSource"/> (a connection pool) for every store,
/// the schema the tables live in, and its migrations (on first use, or explicitly through <see cref="MigrateAsync"/>).
/// Registered as a singleton by <c>UsePostgreSql</c>.
/// </summary>
/// <remarks>
/// Unlike SQLite, PostgreSQL has many writers at once: a unit of work holds a pooled connection and its transaction,
/// and row locks only (a deduplication claim locks its key's row), so handlers of different messages commit in
/// parallel. Transactions are READ COMMITTED, PostgreSQL's default.
/// </remarks>
public sealed class PostgreSqlDatabase : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly SchemaMigrationGate _migration;
    private readonly ILogger _logger;

    /// <summary>Creates the database from the validated options.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">Logs migrations.</param>
    public PostgreSqlDatabase(IOptions<PostgreSqlOptions> options, ILogger<PostgreSqlDatabase>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        var builder = new NpgsqlConnectionStringBuilder(value.ConnectionString);
        Schema = value.Schema;
        QuotedSchema = PostgreSqlSchema.Quote(Schema);
        Name = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username} schema {Schema}";
        _dataSource = NpgsqlDataSource.Create(builder);
        _logger = logger ?? NullLogger<PostgreSqlDatabase>.Instance;
        _migration = new(MigrateSchemaAsync, PostgreSqlSchema.Latest, (from, to) => Log.Migrated(_logger, Name, from, to));
    }

    /// <summary>The schema the tables live in.</summary>
    public string Schema { get; }

    /// <summary>The database for people, without credentials: host, port, database and schema.</summary>
    public string Name { get; }

    /// <summary>The schema version this package creates and migrates to.</summary>
    public static int SchemaVersion => PostgreSqlSchema.Latest;

    /// <summary>The schema as a quoted identifier, for the stores' SQL.</summary>
    internal string QuotedSchema { get; }

    /// <summary>
    /// Creates the schema, tables and indexes, or migrates them to <see cref="SchemaVersion"/>; does nothing when they
    /// are current. The stores call it on first use; a deployment step (<c>conveyor db migrate</c>) can call it ahead.
    /// Instances migrating at once take turns on an advisory lock.
    /// </summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>The schema version the database was at before.</returns>
    /// <exception cref="InvalidOperationException">The database's schema is newer than this package's.</exception>
    public Task<int> MigrateAsync(CancellationToken cancellationToken) => _migration.RunAsync(cancellationToken);

    /// <summary>
    /// Opens a pooled connection to the database (migrated), for work outside a handled message; inside one, use the
    /// <see cref="PostgreSqlUnitOfWork"/>'s connection so the work joins its transaction.
    /// </summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection the caller disposes.</returns>
    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        await _migration.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the connection pool.</summary>
    /// <returns>A task that completes once disposed.</returns>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>Disposes the connection pool.</summary>
    public void Dispose() => _dataSource.Dispose();

    /// <summary>Begins a unit of work: a pooled connection and a transaction on it.</summary>
    /// <remarks>
    /// Inside a database channel's batch transaction on this database, the message's unit of work is a part of it
    /// (<see cref="Channels.PostgreSqlChannelBatch"/>); a unit of work begun while that one is open gets its own transaction.
    /// </remarks>
    internal async ValueTask<PostgreSqlUnitOfWork> BeginUnitOfWorkAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (Channels.PostgreSqlChannelBatch.Current is { Member: null } batch && batch.Database == this)
        {
            return new PostgreSqlUnitOfWork(this, services, batch);
        }

        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new PostgreSqlUnitOfWork(this, services, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> in a transaction of its own and commits it.</summary>
    internal async ValueTask<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<int> MigrateSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var before = await PostgreSqlSchema.MigrateAsync(connection, transaction, Schema, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return before;
    }

    /// <summary>A statement of a batch for <paramref name="sql"/>, whose <c>{schema}</c> is this database's schema.</summary>
    internal NpgsqlBatchCommand BatchCommand(string sql) => new(sql.Replace("{schema}", QuotedSchema, StringComparison.Ordinal));

    /// <summary>A command for <paramref name="sql"/>, whose <c>{schema}</c> is this database's schema, on <paramref name="connection"/>.</summary>
    internal NpgsqlCommand Command(string sql, NpgsqlConnection connection, NpgsqlTransaction? transaction = null) =>
        new(sql.Replace("{schema}", QuotedSchema, StringComparison.Ordinal), connection, transaction);
}
