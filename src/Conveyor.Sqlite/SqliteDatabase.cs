using System.Globalization;
using Conveyor.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conveyor.Sqlite;

/// <summary>
/// The application's SQLite database file: opens connections, creates and migrates the schema (on first use, or
/// explicitly through <see cref="MigrateAsync"/>), and serialises writes. Registered as a singleton by
/// <c>UseSqlite</c>.
/// </summary>
/// <remarks>
/// SQLite has one writer at a time. Every write (a unit of work, a dead letter, a scheduled message) runs in a
/// <c>BEGIN IMMEDIATE</c> transaction, which takes the write lock at its start, so a transaction never fails half-way
/// because another one wrote first; writers of this process wait for it asynchronously, others with the busy timeout.
/// The database is in WAL mode, so reads never wait for a writer.
/// </remarks>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate;
    private readonly SchemaMigrationGate _migration;
    private readonly ILogger _logger;

    /// <summary>Creates the database from the validated options.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">Logs migrations.</param>
    public SqliteDatabase(IOptions<SqliteOptions> options, ILogger<SqliteDatabase>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        var builder = new SqliteConnectionStringBuilder(value.ConnectionString)
        {
            // Microsoft.Data.Sqlite's own retry loop on a busy database, for statements that meet another process's lock.
            DefaultTimeout = (int)Math.Ceiling(value.BusyTimeout.TotalSeconds),
        };
        builder.DataSource = Path.GetFullPath(builder.DataSource);
        FilePath = builder.DataSource;
        _connectionString = builder.ToString();
        BusyTimeout = value.BusyTimeout;
        _writeGate = SqliteWriteGate.For(FilePath);
        _logger = logger ?? NullLogger<SqliteDatabase>.Instance;
        _migration = new(MigrateSchemaAsync, SqliteSchema.Latest, (from, to) => Log.Migrated(_logger, FilePath, from, to));
    }

    /// <summary>The database file's full path.</summary>
    public string FilePath { get; }

    /// <summary>The schema version this package creates and migrates to.</summary>
    public static int SchemaVersion => SqliteSchema.Latest;

    internal TimeSpan BusyTimeout { get; }

    /// <summary>
    /// Creates the tables and indexes, or migrates them to <see cref="SchemaVersion"/>; does nothing when they are
    /// current. The stores call it on first use; a deployment step (<c>conveyor db migrate</c>) can call it ahead.
    /// </summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>The schema version the database was at before.</returns>
    /// <exception cref="InvalidOperationException">The database's schema is newer than this package's.</exception>
    public Task<int> MigrateAsync(CancellationToken cancellationToken) => _migration.RunAsync(cancellationToken);

    /// <summary>
    /// Opens a connection to the database (migrated), for reads outside a handled message; inside one, use the
    /// <see cref="SqliteUnitOfWork"/>'s connection so the reads see the unit of work's writes.
    /// </summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection the caller disposes.</returns>
    public async ValueTask<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        await _migration.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Begins a unit of work: a connection, the write lock and a <c>BEGIN IMMEDIATE</c> transaction.</summary>
    internal async ValueTask<SqliteUnitOfWork> BeginUnitOfWorkAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var (connection, transaction) = await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        return new SqliteUnitOfWork(this, services, connection, transaction);
    }

    /// <summary>A connection holding the write lock in a <c>BEGIN IMMEDIATE</c> transaction; <see cref="EndWrite"/> ends both.</summary>
    internal async ValueTask<(SqliteConnection Connection, SqliteTransaction Transaction)> BeginWriteAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            return (connection, connection.BeginTransaction(deferred: false));
        }
        catch
        {
            ExitWrite();
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Disposes what <see cref="BeginWriteAsync"/> returned (rolling back what was not committed) and releases the write lock.</summary>
    internal async ValueTask EndWrite(SqliteConnection connection, SqliteTransaction transaction)
    {
        try
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            ExitWrite();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction of its own and commits it; inside a handled message whose
    /// unit of work is this database's (<see cref="AmbientUnitOfWork{TUnitOfWork}"/>), in that unit of work's transaction
    /// instead, so that it commits with the handler's work and never waits for the lock its own message holds.
    /// </summary>
    internal async ValueTask<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        if (AmbientUnitOfWork<SqliteUnitOfWork>.Current is { } ambient && ambient.Database == this)
        {
            return work(ambient.Connection, ambient.Transaction);
        }

        var (connection, transaction) = await BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = work(connection, transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            await EndWrite(connection, transaction).ConfigureAwait(false);
        }
    }

    private async Task<int> MigrateSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenRawAsync(cancellationToken).ConfigureAwait(false);

        // WAL is kept by the file once set, and cannot be changed inside a transaction.
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var before = SqliteSchema.Migrate(connection, transaction);
            transaction.Commit();
            return before;
        }
        finally
        {
            ExitWrite();
        }
    }

    private async ValueTask EnterWriteAsync(CancellationToken cancellationToken)
    {
        if (!await _writeGate.WaitAsync(BusyTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException(
                $"The SQLite database '{FilePath}' stayed locked by another write for longer than the busy timeout ({BusyTimeout:c}). A unit of work holds the lock from its begin to its commit: raise {SqliteOptions.SectionName}:BusyTimeout above the slowest handler.");
        }
    }

    private void ExitWrite() => _writeGate.Release();

    private async ValueTask<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var pragma = connection.CreateCommand();
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)BusyTimeout.TotalMilliseconds};");
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
