using Microsoft.Data.Sqlite;

namespace Conveyor.Kafka.ConsumerApp;

/// <summary>
/// The app's SQLite database, shared by every consumer process of the group (WAL mode, so readers never block
/// the writer). Tables:
/// <list type="bullet">
/// <item><c>processed</c>: (endpoint, key) of every message whose effect is committed; written in the effect's transaction.</item>
/// <item><c>effects</c>: one row per applied effect, deliberately without a unique constraint so a double apply would show.</item>
/// <item><c>invocations</c>: one row per handler call, written outside the effect's transaction.</item>
/// <item><c>duplicates</c>: deliveries recognised as duplicates, by the deduplication store or inside the transaction.</item>
/// </list>
/// </summary>
public sealed class WorkDatabase : IDisposable
{
    private readonly string _connectionString;

    // SQLite has one writer at a time: this process writes through one connection, its writers queued here (cheaper
    // than SQLite's busy-wait). Other processes are waited for through busy_timeout. Readers take pooled connections.
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentBag<SqliteConnection> _readers = [];
    private SqliteConnection? _writeConnection;

    /// <summary>Creates the database access for <paramref name="path"/>.</summary>
    /// <param name="path">The database file.</param>
    public WorkDatabase(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Creates the tables if missing and switches the database to WAL.</summary>
    public void EnsureSchema()
    {
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS processed (endpoint TEXT NOT NULL, key TEXT NOT NULL, pid INTEGER NOT NULL, PRIMARY KEY (endpoint, key)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS effects (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, key TEXT NOT NULL, sequence INTEGER NOT NULL, pid INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS invocations (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, pid INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS duplicates (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, pid INTEGER NOT NULL, caught_by TEXT NOT NULL);
            """);
    }

    /// <summary>Whether <paramref name="endpoint"/> committed the effect of <paramref name="key"/>.</summary>
    public async ValueTask<bool> IsProcessedAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        var connection = _readers.TryTake(out var pooled) ? pooled : Open();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM processed WHERE endpoint = $endpoint AND key = $key";
            command.Parameters.AddWithValue("$endpoint", endpoint);
            command.Parameters.AddWithValue("$key", key);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }
        finally
        {
            _readers.Add(connection);
        }
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose()
    {
        _writeConnection?.Dispose();
        while (_readers.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    /// <summary>Records <paramref name="endpoint"/>'s key as processed, outside any effect (for endpoints that do not do it themselves).</summary>
    public Task MarkProcessedAsync(string endpoint, string key, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = Command(connection, transaction, "INSERT OR IGNORE INTO processed (endpoint, key, pid) VALUES ($endpoint, $key, $pid)");
                command.Parameters.AddWithValue("$endpoint", endpoint);
                command.Parameters.AddWithValue("$key", key);
                command.Parameters.AddWithValue("$pid", Environment.ProcessId);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <summary>Records a handler call (its own small transaction).</summary>
    public Task RecordInvocationAsync(string messageId, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = Command(connection, transaction, "INSERT INTO invocations (message_id, pid) VALUES ($id, $pid)");
                command.Parameters.AddWithValue("$id", messageId);
                command.Parameters.AddWithValue("$pid", Environment.ProcessId);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <summary>Records a delivery recognised as a duplicate.</summary>
    public Task RecordDuplicateAsync(string messageId, string caughtBy, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await InsertDuplicateAsync(connection, transaction, messageId, caughtBy, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <summary>
    /// Applies the effect of <paramref name="work"/> and marks <paramref name="messageId"/> processed for
    /// <paramref name="endpoint"/> in ONE transaction. Returns false, applying nothing, when the mark exists already
    /// (another delivery of the same message committed first).
    /// </summary>
    public Task<bool> ApplyOnceAsync(string endpoint, string messageId, DoWork work, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                await using (var mark = Command(connection, transaction, "INSERT OR IGNORE INTO processed (endpoint, key, pid) VALUES ($endpoint, $key, $pid)"))
                {
                    mark.Parameters.AddWithValue("$endpoint", endpoint);
                    mark.Parameters.AddWithValue("$key", messageId);
                    mark.Parameters.AddWithValue("$pid", Environment.ProcessId);
                    if (await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        await InsertDuplicateAsync(connection, transaction, messageId, "transaction", cancellationToken).ConfigureAwait(false);
                        return false;
                    }
                }

                await using var effect = Command(connection, transaction, "INSERT INTO effects (message_id, key, sequence, pid) VALUES ($id, $key, $sequence, $pid)");
                effect.Parameters.AddWithValue("$id", messageId);
                effect.Parameters.AddWithValue("$key", work.Key);
                effect.Parameters.AddWithValue("$sequence", work.Sequence);
                effect.Parameters.AddWithValue("$pid", Environment.ProcessId);
                await effect.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    private static async Task InsertDuplicateAsync(SqliteConnection connection, SqliteTransaction transaction, string messageId, string caughtBy, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "INSERT INTO duplicates (message_id, pid, caught_by) VALUES ($id, $pid, $by)");
        command.Parameters.AddWithValue("$id", messageId);
        command.Parameters.AddWithValue("$pid", Environment.ProcessId);
        command.Parameters.AddWithValue("$by", caughtBy);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // One write transaction (BEGIN IMMEDIATE: the write lock is taken up front, so it never has to be upgraded).
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = _writeConnection ??= Open();
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var result = await work(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _writer.Release();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
