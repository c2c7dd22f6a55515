using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Deduplication;

/// <summary>
/// Deduplication keys in the <c>conveyor_deduplication</c> table. In a <see cref="SqliteUnitOfWork"/> of the same
/// database the claim is an insert-on-conflict in its transaction: it commits with the handler's writes or not at
/// all, and a second claim of the key cannot even begin while the first unit of work holds the write lock. In any
/// other unit of work the claim is committed at once as pending (see <see cref="DatabaseDeduplicationStore"/>).
/// </summary>
internal sealed class SqliteDeduplicationStore(SqliteDatabase database, TimeSpan retention, TimeProvider time, int cleanupBatchSize)
    : DatabaseDeduplicationStore(retention, time, cleanupBatchSize)
{
    protected override ValueTask<bool?> TryClaimInTransactionAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        if (unitOfWork is not SqliteUnitOfWork sqlite || sqlite.Database != database)
        {
            return ValueTask.FromResult<bool?>(null);
        }

        if (!Claim(sqlite.Connection, sqlite.Transaction, DeduplicationSql.Claim, endpointId, key))
        {
            return ValueTask.FromResult<bool?>(false);
        }

        sqlite.OnCommitting((connection, transaction, _) =>
        {
            Stamp(connection, transaction, endpointId, key);
            return Task.CompletedTask;
        });
        return ValueTask.FromResult<bool?>(true);
    }

    protected override ValueTask<(bool Claimed, bool PendingElsewhere)> ClaimPendingOnceAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) =>
            {
                if (Claim(connection, transaction, DeduplicationSql.ClaimPending, endpointId, key))
                {
                    return (true, false);
                }

                using var pending = Command(connection, transaction, DeduplicationSql.IsPending);
                pending.Parameters.AddWithValue("$endpoint", endpointId);
                pending.Parameters.AddWithValue("$key", key);
                return (false, pending.ExecuteScalar() is long held && held == 1);
            },
            cancellationToken);

    protected override async ValueTask StampAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        await database.WriteAsync((c, t) => Stamp(c, t, endpointId, key), cancellationToken).ConfigureAwait(false);

    protected override async ValueTask ReleaseAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, DeduplicationSql.Release);
                command.Parameters.AddWithValue("$endpoint", endpointId);
                command.Parameters.AddWithValue("$key", key);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

    protected override ValueTask<int> RemoveExpiredBatchAsync(long nowTicks, int limit, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, DeduplicationSql.RemoveExpired);
                command.Parameters.AddWithValue("$now", nowTicks);
                command.Parameters.AddWithValue("$limit", limit);
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    private bool Claim(SqliteConnection connection, SqliteTransaction transaction, string sql, string endpointId, string key)
    {
        using var command = Command(connection, transaction, sql);
        command.Parameters.AddWithValue("$endpoint", endpointId);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$pending", long.MaxValue);
        command.Parameters.AddWithValue("$now", Time.GetUtcNow().UtcTicks);
        command.Parameters.AddWithValue("$lease_ms", (long)PendingLease.TotalMilliseconds);
        return command.ExecuteNonQuery() == 1;
    }

    private int Stamp(SqliteConnection connection, SqliteTransaction transaction, string endpointId, string key)
    {
        using var command = Command(connection, transaction, DeduplicationSql.Stamp);
        command.Parameters.AddWithValue("$endpoint", endpointId);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$expires", ExpiresAtFromNow);
        return command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
