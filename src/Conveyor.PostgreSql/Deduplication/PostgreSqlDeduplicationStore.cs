using Conveyor.PostgreSql.Channels;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Npgsql;

namespace Conveyor.PostgreSql.Deduplication;

/// <summary>
/// Deduplication keys in the <c>conveyor_deduplication</c> table. In a <see cref="PostgreSqlUnitOfWork"/> of the same
/// database the claim is an <c>INSERT … ON CONFLICT … DO UPDATE … WHERE expired</c> in its transaction: it commits
/// with the handler's writes or not at all. A second claim of the key in another transaction waits on the first one's
/// uncommitted row (PostgreSQL's unique index does that), then sees the outcome: a committed claim makes it a
/// duplicate, a rolled-back one lets it insert. Claims of other keys never wait. In any other unit of work the claim
/// is committed at once as pending (see <see cref="DatabaseDeduplicationStore"/>).
/// </summary>
internal sealed class PostgreSqlDeduplicationStore(PostgreSqlDatabase database, TimeSpan retention, TimeProvider time, int cleanupBatchSize)
    : DatabaseDeduplicationStore(retention, time, cleanupBatchSize)
{
    // Inserts the key, or takes it over when it expired or is a pending claim whose lease ran out: 1 for a claim, 0
    // when it is taken. The insert waits for another transaction's uncommitted claim of the key, then does nothing when
    // that one committed; unlike ON CONFLICT DO UPDATE, a duplicate locks no row, so duplicates never wait for each
    // other. The update sees the statement's snapshot: a key another transaction just claimed is not expired for it.
    // @pending_lease is null in a PostgreSQL unit of work.
    private const string Claim = """
        WITH inserted AS (
            INSERT INTO {schema}.conveyor_deduplication (endpoint_id, key, expires_at, pending_until)
            VALUES (@endpoint, @key, 9223372036854775807, clock_timestamp() + @pending_lease)
            ON CONFLICT (endpoint_id, key) DO NOTHING
            RETURNING 1),
        taken_over AS (
            UPDATE {schema}.conveyor_deduplication
            SET expires_at = 9223372036854775807, pending_until = clock_timestamp() + @pending_lease
            WHERE NOT EXISTS (SELECT FROM inserted) AND endpoint_id = @endpoint AND key = @key
              AND ((pending_until IS NULL AND expires_at <= @now) OR pending_until <= clock_timestamp())
            RETURNING 1)
        SELECT (SELECT COUNT(*) FROM inserted) + (SELECT COUNT(*) FROM taken_over);
        """;

    // A database channel's batch claims the message ids of its messages ahead, sorted (so that two batches lock keys in
    // the same order), with their expiry: the keys it returns are the batch's; a key taken already is claimed alone.
    private const string ClaimAhead = """
        INSERT INTO {schema}.conveyor_deduplication (endpoint_id, key, expires_at, pending_until)
        SELECT @endpoint, k, @expires, NULL FROM unnest(@keys) AS k ORDER BY k
        ON CONFLICT (endpoint_id, key) DO NOTHING
        RETURNING key;
        """;

    // Whether the key is there at all: a key the clean-up removed between the claim's insert and its update is claimed again.
    private const string Exists = "SELECT EXISTS (SELECT FROM {schema}.conveyor_deduplication WHERE endpoint_id = @endpoint AND key = @key);";

    private const string IsPending = "SELECT pending_until > clock_timestamp() FROM {schema}.conveyor_deduplication WHERE endpoint_id = @endpoint AND key = @key;";

    private const string Stamp = "UPDATE {schema}.conveyor_deduplication SET expires_at = @expires, pending_until = NULL WHERE endpoint_id = @endpoint AND key = @key;";

    private const string Release = "DELETE FROM {schema}.conveyor_deduplication WHERE endpoint_id = @endpoint AND key = @key AND pending_until IS NOT NULL;";

    private const string RemoveExpired = """
        DELETE FROM {schema}.conveyor_deduplication WHERE (endpoint_id, key) IN (
            SELECT endpoint_id, key FROM {schema}.conveyor_deduplication WHERE expires_at <= @now LIMIT @limit
            FOR UPDATE SKIP LOCKED);
        """;

    protected override async ValueTask<bool?> TryClaimInTransactionAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        if (unitOfWork is not PostgreSqlUnitOfWork postgres || postgres.Database != database)
        {
            return null;
        }

        if (postgres.Batch is { } batch)
        {
            return await TryClaimInBatchAsync(batch, postgres, endpointId, key, cancellationToken).ConfigureAwait(false);
        }

        if (!await ClaimAsync(postgres.OwnConnection, postgres.OwnTransaction, endpointId, key, pendingLease: null, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // The stamp rides with the COMMIT; its expiry is read when the unit of work commits.
        postgres.OnCommitting(() =>
        {
            var stamp = database.BatchCommand(Stamp);
            stamp.Parameters.AddWithValue("endpoint", endpointId);
            stamp.Parameters.AddWithValue("key", key);
            stamp.Parameters.AddWithValue("expires", ExpiresAtFromNow);
            return stamp;
        });
        return true;
    }

    /// <summary>
    /// In a database channel's batch transaction: the first claim of an endpoint keyed by message id claims the keys of
    /// the batch's remaining messages in one statement; a message takes its key from those, or claims it alone (a key
    /// already there: a duplicate, or an expired one to take over). Claims are the batch's writes, not under the
    /// member's savepoint: the batch deletes those no committed member kept, and stamps those claimed alone.
    /// </summary>
    private async ValueTask<bool> TryClaimInBatchAsync(PostgreSqlChannelBatch batch, PostgreSqlUnitOfWork member, string endpointId, string key, CancellationToken cancellationToken)
    {
        var claims = batch.Claims;
        if (claims.TryUse(endpointId, key, member))
        {
            return true;
        }

        if (!claims.ClaimedAhead(endpointId) && key == batch.CurrentMessageId)
        {
            claims.MarkClaimedAhead(endpointId);
            var keys = batch.RemainingMessageIds();
            var expiresAt = ExpiresAtFromNow;
            await batch.RunAsync(async (connection, transaction) =>
            {
                await using var command = database.Command(ClaimAhead, connection, transaction);
                command.Parameters.AddWithValue("endpoint", endpointId);
                command.Parameters.AddWithValue("expires", expiresAt);
                command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = keys });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    claims.Add(endpointId, reader.GetString(0), stamp: null);
                }

                return 0;
            }).ConfigureAwait(false);
            if (claims.TryUse(endpointId, key, member))
            {
                return true;
            }
        }

        if (!await batch.RunAsync((connection, transaction) => ClaimAsync(connection, transaction, endpointId, key, pendingLease: null, cancellationToken)).ConfigureAwait(false))
        {
            return false;
        }

        claims.Add(endpointId, key, () => ExpiresAtFromNow);
        return claims.TryUse(endpointId, key, member);
    }

    protected override ValueTask<(bool Claimed, bool PendingElsewhere)> ClaimPendingOnceAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                if (await ClaimAsync(connection, transaction, endpointId, key, PendingLease, cancellationToken).ConfigureAwait(false))
                {
                    return (true, false);
                }

                using var pending = Command(connection, transaction, IsPending, endpointId, key);
                return (false, await pending.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true);
            },
            cancellationToken);

    protected override async ValueTask StampAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                await StampAsync(connection, transaction, endpointId, key, cancellationToken).ConfigureAwait(false);
                return 0;
            },
            cancellationToken).ConfigureAwait(false);

    protected override async ValueTask ReleaseAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, Release, endpointId, key);
                return command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken).ConfigureAwait(false);

    protected override ValueTask<int> RemoveExpiredBatchAsync(long nowTicks, int limit, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = database.Command(RemoveExpired, connection, transaction);
                command.Parameters.AddWithValue("now", nowTicks);
                command.Parameters.AddWithValue("limit", limit);
                return command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken);

    private async Task<bool> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string endpointId, string key, TimeSpan? pendingLease, CancellationToken cancellationToken)
    {
        while (true)
        {
            using (var command = Command(connection, transaction, Claim, endpointId, key))
            {
                command.Parameters.AddWithValue("now", Time.GetUtcNow().UtcTicks);
                command.Parameters.Add(new NpgsqlParameter("pending_lease", NpgsqlTypes.NpgsqlDbType.Interval) { Value = (object?)pendingLease ?? DBNull.Value });
                if ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1)
                {
                    return true;
                }
            }

            using var exists = Command(connection, transaction, Exists, endpointId, key);
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return false;
            }
        }
    }

    private async Task StampAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string endpointId, string key, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, Stamp, endpointId, key);
        command.Parameters.AddWithValue("expires", ExpiresAtFromNow);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string endpointId, string key)
    {
        var command = database.Command(sql, connection, transaction);
        command.Parameters.AddWithValue("endpoint", endpointId);
        command.Parameters.AddWithValue("key", key);
        return command;
    }
}
