using System.Runtime.CompilerServices;
using Conveyor.Outbox;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Npgsql;
using NpgsqlTypes;

namespace Conveyor.PostgreSql.Outbox;

/// <summary>
/// The outbox in the <c>conveyor_outbox</c> and <c>conveyor_outbox_lanes</c> tables of the application's PostgreSQL
/// schema: messages are written in the <see cref="PostgreSqlUnitOfWork"/> that sent them, and relays on every instance
/// lease lanes from the lanes table with <c>FOR UPDATE SKIP LOCKED</c>, so that they never wait on each other.
/// </summary>
/// <remarks>
/// Ids come from an identity, handed out when a row is inserted, not when its transaction commits: two transactions
/// appending to one lane could commit in the other order than their ids, and a relay reading both would send the later
/// commit's message first. So a lane's ids are made to follow commit order: the messages a unit of work appends are
/// kept until it commits, then, just before the commit, inserted under a transaction-scoped advisory lock per lane
/// (taken in lane order, so two committing transactions never deadlock). Transactions committing to one lane queue for
/// the length of their inserts and commit only, never for a handler's whole transaction.
/// </remarks>
internal sealed class PostgreSqlOutboxStore(PostgreSqlDatabase database) : IOutboxStore
{
    // pg_advisory_xact_lock(int, int): this constant ("CNVO") with the lane.
    private const int LaneLockClass = 0x434E564F;

    private const string LockLane = "SELECT pg_advisory_xact_lock(@class, @lane);";

    private readonly ConditionalWeakTable<PostgreSqlUnitOfWork, List<Pending>> _pending = [];

    // The lane's row exists once a message of it was written: a claim only looks at the lanes table. An existing lane's
    // row is not locked by the insert that conflicts with it, so appends never wait on a relay.
    private const string Append = """
        INSERT INTO {schema}.conveyor_outbox (lane, channel, headers, body) VALUES (@lane, @channel, @headers, @body);
        INSERT INTO {schema}.conveyor_outbox_lanes (lane) VALUES (@lane) ON CONFLICT (lane) DO NOTHING;
        """;

    // 1. Renew the owner's lanes that have messages, hand back those that are empty.
    private const string Renew = """
        UPDATE {schema}.conveyor_outbox_lanes l SET lease_expires_at = now() + @lease
        WHERE l.owner = @owner AND EXISTS (SELECT 1 FROM {schema}.conveyor_outbox o WHERE o.lane = l.lane);
        UPDATE {schema}.conveyor_outbox_lanes l SET owner = NULL, lease_expires_at = NULL
        WHERE l.owner = @owner AND NOT EXISTS (SELECT 1 FROM {schema}.conveyor_outbox o WHERE o.lane = l.lane);
        """;

    // 2. Take free lanes (never held, handed back, or whose holder's lease ran out) that have messages, up to the
    // owner's limit; lanes another relay is taking or renewing right now are skipped, not waited for. Random order, so
    // that relays starting together spread over the lanes. The lock re-checks the row, so a lane another relay took
    // since this statement's snapshot is left alone.
    private const string Lease = """
        UPDATE {schema}.conveyor_outbox_lanes SET owner = @owner, lease_expires_at = now() + @lease
        WHERE lane IN (
            SELECT l.lane FROM {schema}.conveyor_outbox_lanes l
            WHERE (l.owner IS NULL OR l.lease_expires_at <= now())
              AND EXISTS (SELECT 1 FROM {schema}.conveyor_outbox o WHERE o.lane = l.lane)
            ORDER BY random()
            LIMIT GREATEST(0, @max_lanes - (SELECT COUNT(*) FROM {schema}.conveyor_outbox_lanes WHERE owner = @owner))
            FOR UPDATE SKIP LOCKED);
        """;

    // 3. The first messages of every lane the owner holds, in append order per lane.
    private const string Read = """
        SELECT o.id, o.lane, o.channel, o.headers, o.body
        FROM {schema}.conveyor_outbox_lanes l
        CROSS JOIN LATERAL (
            SELECT id, lane, channel, headers, body FROM {schema}.conveyor_outbox
            WHERE lane = l.lane ORDER BY id LIMIT @batch) o
        WHERE l.owner = @owner
        ORDER BY o.lane, o.id;
        """;

    private const string Complete = """
        DELETE FROM {schema}.conveyor_outbox
        WHERE id = ANY(@ids) AND lane IN (SELECT lane FROM {schema}.conveyor_outbox_lanes WHERE owner = @owner);
        """;

    private const string Release = "UPDATE {schema}.conveyor_outbox_lanes SET owner = NULL, lease_expires_at = NULL WHERE owner = @owner;";

    private const string Count = "SELECT COUNT(*) FROM {schema}.conveyor_outbox;";

    public bool CanAppendIn(IUnitOfWork unitOfWork) => unitOfWork is PostgreSqlUnitOfWork { IsEnded: false } postgres && postgres.Database == database;

    public ValueTask AppendAsync(IUnitOfWork unitOfWork, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (unitOfWork is not PostgreSqlUnitOfWork postgres || postgres.Database != database)
        {
            throw new ArgumentException("The outbox writes only in a unit of work of its own PostgreSQL database (CanAppendIn).", nameof(unitOfWork));
        }

        var pending = new Pending(message.Lane, message.Channel, StoredHeaders.Encode(message.Message.Headers), message.Message.Body.ToArray());
        if (_pending.TryGetValue(postgres, out var appended))
        {
            appended.Add(pending);
        }
        else
        {
            var first = new List<Pending> { pending };
            _pending.Add(postgres, first);
            postgres.OnCommitting((connection, transaction, ct) => InsertAsync(first, connection, transaction, ct));
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask<IReadOnlyList<OutboxRow>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return await database.WriteAsync((connection, transaction) => ClaimAsync(connection, transaction, claim, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> CompleteAsync(string owner, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return 0;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(Complete, connection);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, ids as long[] ?? [.. ids]);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ReleaseAsync(string owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(Release, connection);
        command.Parameters.AddWithValue("owner", owner);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(Count, connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Inserts a unit of work's messages just before it commits: lane by lane in lane order, each under its lock; in append order within a lane.</summary>
    private async Task InsertAsync(List<Pending> messages, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        foreach (var lane in messages.GroupBy(m => m.Lane).OrderBy(g => g.Key))
        {
            await using (var lockLane = database.Command(LockLane, connection, transaction))
            {
                lockLane.Parameters.AddWithValue("class", LaneLockClass);
                lockLane.Parameters.AddWithValue("lane", lane.Key);
                await lockLane.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var message in lane)
            {
                await using var command = database.Command(Append, connection, transaction);
                command.Parameters.AddWithValue("lane", message.Lane);
                command.Parameters.AddWithValue("channel", message.Channel);
                command.Parameters.AddWithValue("headers", message.Headers);
                command.Parameters.AddWithValue("body", message.Body);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<OutboxRow>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxClaim claim, CancellationToken cancellationToken)
    {
        foreach (var sql in new[] { Renew, Lease })
        {
            await using var command = database.Command(sql, connection, transaction);
            command.Parameters.AddWithValue("owner", claim.Owner);
            command.Parameters.AddWithValue("lease", claim.Lease);
            command.Parameters.AddWithValue("max_lanes", (long)claim.MaxLanes);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var read = database.Command(Read, connection, transaction);
        read.Parameters.AddWithValue("owner", claim.Owner);
        read.Parameters.AddWithValue("batch", claim.BatchSize);
        var rows = new List<OutboxRow>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetInt64(0);
            var lane = reader.GetInt32(1);
            var channel = reader.GetString(2);
            var body = reader.GetFieldValue<byte[]>(4);
            try
            {
                rows.Add(new OutboxRow(id, lane, channel, new TransportMessage(StoredHeaders.Decode(reader.GetFieldValue<byte[]>(3)), body)));
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                // Kept for the dead letter with the reason; the lane flows on.
                rows.Add(new OutboxRow(id, lane, channel, new TransportMessage(new MessageHeaders(), body), $"The outbox row's headers cannot be read: {e.Message}"));
            }
        }

        return rows;
    }

    private sealed record Pending(int Lane, string Channel, byte[] Headers, byte[] Body);
}
