using Conveyor.Deduplication;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Deduplication;

/// <summary>
/// Deduplication keys in the <c>conveyor_deduplication</c> table. In a <see cref="SqliteUnitOfWork"/> of the same
/// database the claim is an insert-on-conflict in its transaction: it commits with the handler's writes or not at
/// all, and a second claim of the key cannot even begin while the first unit of work holds the write lock.
/// </summary>
/// <remarks>
/// In any other unit of work (the in-memory one, another store's) there is no transaction to join, and holding one of
/// its own open until that unit of work ends would hold the database's only write lock, so that every other claim
/// (and every SQLite write of the same message) waited. Instead the claim is committed at once as pending, under a
/// lease of <see cref="PendingLease"/> on the database clock, and enlisted: that unit of work's commit stamps it
/// handled, its rollback deletes it. A second claim of the key waits for the first to end (in this process without
/// polling, from another process by polling the row), then sees the outcome. A process that dies with a pending claim
/// leaves it claimable once its lease ran out. The handler's own writes are not in any transaction with the claim.
/// </remarks>
internal sealed class SqliteDeduplicationStore(SqliteDatabase database, TimeSpan retention, TimeProvider time, int cleanupBatchSize) : IDeduplicationStore
{
    /// <summary>How long a claim outside a SQLite unit of work stays pending at most, for a handler that takes long.</summary>
    public static readonly TimeSpan PendingLease = TimeSpan.FromMinutes(10);

    private static readonly Backoff OtherProcessPoll = new(TimeSpan.FromMilliseconds(10), 2, TimeSpan.FromSeconds(1), jitter: 0.2);
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Endpoint, string Key), TaskCompletionSource> _pending = [];

    private SqliteDatabase Database => database;

    public async ValueTask<bool> TryClaimAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(unitOfWork);
        if (unitOfWork is SqliteUnitOfWork sqlite && sqlite.Database == database)
        {
            if (!Claim(sqlite.Connection, sqlite.Transaction, DeduplicationSql.Claim, endpointId, key))
            {
                return false;
            }

            sqlite.OnCommitting((connection, transaction) => Stamp(connection, transaction, endpointId, key));
            return true;
        }

        return await ClaimPendingAsync(endpointId, key, unitOfWork, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcTicks;
            var batch = await database.WriteAsync(
                (connection, transaction) =>
                {
                    using var command = Command(connection, transaction, DeduplicationSql.RemoveExpired);
                    command.Parameters.AddWithValue("$now", now);
                    command.Parameters.AddWithValue("$limit", cleanupBatchSize);
                    return command.ExecuteNonQuery();
                },
                cancellationToken).ConfigureAwait(false);
            removed += batch;
            if (batch < cleanupBatchSize)
            {
                break;
            }
        }

        return removed;
    }

    private async ValueTask<bool> ClaimPendingAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        var entry = (endpointId, key);
        TaskCompletionSource mine;
        while (true)
        {
            Task ended;
            lock (_gate)
            {
                if (!_pending.TryGetValue(entry, out var other))
                {
                    mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _pending.Add(entry, mine);
                    break;
                }

                ended = other.Task;
            }

            // Committed: the claim below finds the key handled. Rolled back: it claims the key.
            await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var claim = new PendingClaim(this, endpointId, key, mine);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (claimed, pendingElsewhere) = await database.WriteAsync(
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
                    cancellationToken).ConfigureAwait(false);
                if (claimed)
                {
                    break;
                }

                if (!pendingElsewhere)
                {
                    claim.End();
                    return false;
                }

                // Another process holds a pending claim: its end reaches this one only through the table.
                await Task.Delay(OtherProcessPoll.DelayFor(attempt), cancellationToken).ConfigureAwait(false);
            }

            unitOfWork.Enlist(claim);
            return true;
        }
        catch
        {
            await claim.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private bool Claim(SqliteConnection connection, SqliteTransaction transaction, string sql, string endpointId, string key)
    {
        using var command = Command(connection, transaction, sql);
        command.Parameters.AddWithValue("$endpoint", endpointId);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$pending", long.MaxValue);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().UtcTicks);
        command.Parameters.AddWithValue("$lease_ms", (long)PendingLease.TotalMilliseconds);
        return command.ExecuteNonQuery() == 1;
    }

    private int Stamp(SqliteConnection connection, SqliteTransaction transaction, string endpointId, string key)
    {
        using var command = Command(connection, transaction, DeduplicationSql.Stamp);
        command.Parameters.AddWithValue("$endpoint", endpointId);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$expires", (time.GetUtcNow() + retention).UtcTicks);
        return command.ExecuteNonQuery();
    }

    private static int Release(SqliteConnection connection, SqliteTransaction transaction, string endpointId, string key)
    {
        using var command = Command(connection, transaction, DeduplicationSql.Release);
        command.Parameters.AddWithValue("$endpoint", endpointId);
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>A claim committed as pending, ended by a unit of work that is not a SQLite one.</summary>
    private sealed class PendingClaim(SqliteDeduplicationStore store, string endpointId, string key, TaskCompletionSource ended) : IUnitOfWorkParticipant
    {
        private int _ended;

        public async ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                try
                {
                    await store.Database.WriteAsync((c, t) => store.Stamp(c, t, endpointId, key), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    End();
                }
            }
        }

        public async ValueTask RollbackAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                try
                {
                    await store.Database.WriteAsync((c, t) => Release(c, t, endpointId, key), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    End();
                }
            }
        }

        /// <summary>Lets the claims of this process that wait for this one go on.</summary>
        public void End()
        {
            lock (store._gate)
            {
                store._pending.Remove((endpointId, key));
            }

            ended.TrySetResult();
        }
    }
}
