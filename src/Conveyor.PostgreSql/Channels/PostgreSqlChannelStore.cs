using System.Globalization;
using Conveyor.Channels.Database;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Npgsql;
using NpgsqlTypes;

namespace Conveyor.PostgreSql.Channels;

/// <summary>
/// The database channels' rows in the <c>conveyor_channel_messages</c> table of the application's PostgreSQL schema,
/// one table for every channel. Consumers lease with <c>FOR UPDATE SKIP LOCKED</c>: competing consumers on any number
/// of instances take different rows without waiting on each other. Inside a handled message whose unit of work is this
/// database's, an insert joins that transaction.
/// </summary>
internal sealed class PostgreSqlChannelStore(PostgreSqlDatabase database) : IDatabaseChannelStore
{
    private const string Insert = """
        INSERT INTO {schema}.conveyor_channel_messages (channel, headers, body, available_at)
        VALUES (@channel, @headers, @body, @available_at);
        """;

    // Many rows in one statement, in the order given (identity values follow the ORDER BY).
    private const string InsertMany = """
        INSERT INTO {schema}.conveyor_channel_messages (channel, headers, body, available_at)
        SELECT @channel, r.headers, r.body, r.available_at
        FROM unnest(@headers, @bodies, @available_at) WITH ORDINALITY AS r(headers, body, available_at, n)
        ORDER BY r.n;
        """;

    // The oldest available messages nobody holds (or whose holder's lease ran out); rows another consumer is taking
    // right now are skipped, and the lock re-checks a row another consumer took since this statement's snapshot.
    private const string Lease = """
        UPDATE {schema}.conveyor_channel_messages SET lease_owner = @owner, lease_expires_at = now() + @lease
        WHERE id IN (
            SELECT id FROM {schema}.conveyor_channel_messages
            WHERE channel = @channel AND available_at <= @now AND (lease_expires_at IS NULL OR lease_expires_at <= now())
            ORDER BY id
            LIMIT @limit
            FOR UPDATE SKIP LOCKED)
        RETURNING id, headers, body;
        """;

    private const string Renew = "UPDATE {schema}.conveyor_channel_messages SET lease_expires_at = now() + @lease WHERE lease_owner = @owner;";

    private const string Delete = "DELETE FROM {schema}.conveyor_channel_messages WHERE id = @id AND lease_owner = @owner;";

    private const string Release = """
        UPDATE {schema}.conveyor_channel_messages
        SET lease_owner = NULL, lease_expires_at = NULL, available_at = COALESCE(@available_at, available_at)
        WHERE id = @id AND lease_owner = @owner;
        """;

    private const string ReleaseAll = "UPDATE {schema}.conveyor_channel_messages SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = @owner;";

    private const string Count = "SELECT COUNT(*) FROM {schema}.conveyor_channel_messages WHERE channel = @channel;";

    private const string NextAvailable = """
        SELECT MIN(available_at) FROM {schema}.conveyor_channel_messages
        WHERE channel = @channel AND (lease_expires_at IS NULL OR lease_expires_at <= now());
        """;

    public string Address => $"{database.Name} (conveyor_channel_messages)";

    public bool InsertJoinsTransaction => Joined is not null || Batch is not null;

    /// <summary>The unit of work of the message being handled, when it is this database's and open.</summary>
    private PostgreSqlUnitOfWork? Joined =>
        AmbientUnitOfWork<PostgreSqlUnitOfWork>.Current is { IsEnded: false } joined && joined.Database == database ? joined : null;

    /// <summary>
    /// The batch transaction of the message being handled, when it is this database's: a send outside the message's
    /// unit of work (a delayed retry after it failed, a fan-out, a forward) commits with the batch's acknowledgements.
    /// </summary>
    private PostgreSqlChannelBatch? Batch => PostgreSqlChannelBatch.Current is { } batch && batch.Database == database ? batch : null;

    public async ValueTask<IDatabaseChannelBatch?> BeginBatchAsync(string owner, IReadOnlyList<LeasedMessage> messages, CancellationToken cancellationToken) =>
        await PostgreSqlChannelBatch.BeginAsync(database, owner, messages, cancellationToken).ConfigureAwait(false);

    public async ValueTask InsertAsync(string channel, TransportMessage message, DateTimeOffset availableAt, Action committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(committed);
        if (Joined is { } joined)
        {
            // Rides with the unit of work's COMMIT: the row exists exactly when the handler's work does, at no round trip of its own.
            joined.OnCommitting(InsertCommand(channel, message, availableAt));
            joined.Enlist(new OnCommit(committed));
            return;
        }

        if (Batch is { } batch)
        {
            batch.OnCommitting(InsertCommand(channel, message, availableAt));
            batch.Enlist(new OnCommit(committed));
            return;
        }

        await InsertManyAsync(channel, [new ChannelRow(message, availableAt)], cancellationToken).ConfigureAwait(false);
        committed();
    }

    private Func<NpgsqlBatchCommand> InsertCommand(string channel, TransportMessage message, DateTimeOffset availableAt)
    {
        var headers = StoredHeaders.Encode(message.Headers);
        var body = message.Body.ToArray();
        return () =>
        {
            var insert = database.BatchCommand(Insert);
            insert.Parameters.AddWithValue("channel", channel);
            insert.Parameters.AddWithValue("headers", headers);
            insert.Parameters.AddWithValue("body", body);
            insert.Parameters.AddWithValue("available_at", availableAt.UtcTicks);
            return insert;
        };
    }

    public async ValueTask InsertManyAsync(string channel, IReadOnlyList<ChannelRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count == 1)
        {
            await using var one = database.Command(Insert, connection);
            one.Parameters.AddWithValue("channel", channel);
            one.Parameters.AddWithValue("headers", StoredHeaders.Encode(rows[0].Message.Headers));
            one.Parameters.AddWithValue("body", rows[0].Message.Body.ToArray());
            one.Parameters.AddWithValue("available_at", rows[0].AvailableAt.UtcTicks);
            await one.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var many = database.Command(InsertMany, connection);
        many.Parameters.AddWithValue("channel", channel);
        many.Parameters.Add(new NpgsqlParameter("headers", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => StoredHeaders.Encode(r.Message.Headers)).ToArray() });
        many.Parameters.Add(new NpgsqlParameter("bodies", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(r => r.Message.Body.ToArray()).ToArray() });
        many.Parameters.Add(new NpgsqlParameter("available_at", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.Select(r => r.AvailableAt.UtcTicks).ToArray() });
        await many.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<LeasedMessage>> LeaseAsync(string channel, string owner, TimeSpan lease, int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(Lease, connection);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("now", now.UtcTicks);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<LeasedMessage>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(ReadRow(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        // RETURNING gives no order: hand them out in the order they were inserted.
        rows.Sort((a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    public ValueTask<int> RenewAsync(string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        ExecuteAsync(Renew, null, owner, lease, null, cancellationToken);

    public async ValueTask<bool> DeleteAsync(long id, string owner, CancellationToken cancellationToken) =>
        await ExecuteAsync(Delete, id, owner, null, null, cancellationToken).ConfigureAwait(false) == 1;

    public bool CanInsertIn(IUnitOfWork unitOfWork) => unitOfWork is PostgreSqlUnitOfWork { IsEnded: false } postgres && postgres.Database == database;

    public ValueTask<bool> TryDeleteInAsync(IUnitOfWork unitOfWork, long id, string owner, CancellationToken cancellationToken)
    {
        if (unitOfWork is not PostgreSqlUnitOfWork { IsEnded: false } postgres || postgres.Database != database)
        {
            return ValueTask.FromResult(false);
        }

        // In a batch transaction the delete goes with the batch's, when the unit of work commits into it.
        if (postgres.Batch is not null)
        {
            postgres.AcknowledgeWithBatch(id);
            return ValueTask.FromResult(true);
        }

        // The acknowledgement rides with the COMMIT: no round trip of its own.
        postgres.OnCommitting(() =>
        {
            var delete = database.BatchCommand(Delete);
            delete.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Bigint) { Value = id });
            delete.Parameters.AddWithValue("owner", owner);
            return delete;
        });
        return ValueTask.FromResult(true);
    }

    public async ValueTask ReleaseAsync(long id, string owner, DateTimeOffset? availableAt, CancellationToken cancellationToken) =>
        await ExecuteAsync(Release, id, owner, null, availableAt, cancellationToken).ConfigureAwait(false);

    public async ValueTask ReleaseAllAsync(string owner, CancellationToken cancellationToken) =>
        await ExecuteAsync(ReleaseAll, null, owner, null, null, cancellationToken).ConfigureAwait(false);

    public async ValueTask<long> CountAsync(string channel, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(Count, connection);
        command.Parameters.AddWithValue("channel", channel);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask<DateTimeOffset?> NextAvailableAsync(string channel, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(NextAvailable, connection);
        command.Parameters.AddWithValue("channel", channel);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks
            ? new DateTimeOffset(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero)
            : null;
    }

    /// <summary>
    /// The message of a row, or, when its headers cannot be decoded (written by something else, or damaged), its raw
    /// body with the row id as message id and the reason, for the dead letter.
    /// </summary>
    private static LeasedMessage ReadRow(long id, byte[] headers, byte[] body)
    {
        try
        {
            return new LeasedMessage(id, new TransportMessage(StoredHeaders.Decode(headers), body));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            var fallback = new MessageHeaders(1);
            fallback.Set(MessageHeaderNames.MessageId, $"conveyor_channel_messages#{id.ToString(CultureInfo.InvariantCulture)}");
            return new LeasedMessage(id, new TransportMessage(fallback, body), $"Row {id} of conveyor_channel_messages cannot be read: {e.Message}");
        }
    }

    private async ValueTask<int> ExecuteAsync(string sql, long? id, string owner, TimeSpan? lease, DateTimeOffset? availableAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(sql, connection);
        Bind(command, id, owner, lease, availableAt);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Bind(NpgsqlCommand command, long? id, string owner, TimeSpan? lease, DateTimeOffset? availableAt)
    {
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Bigint) { Value = (object?)id ?? DBNull.Value });
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(new NpgsqlParameter("lease", NpgsqlDbType.Interval) { Value = (object?)lease ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("available_at", NpgsqlDbType.Bigint) { Value = (object?)availableAt?.UtcTicks ?? DBNull.Value });
    }
}
