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

    public async ValueTask InsertAsync(string channel, TransportMessage message, DateTimeOffset availableAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (AmbientUnitOfWork<PostgreSqlUnitOfWork>.Current is { IsEnded: false } joined && joined.Database == database)
        {
            await InsertAsync(channel, message, availableAt, joined.Connection, joined.Transaction, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await InsertAsync(channel, message, availableAt, connection, null, cancellationToken).ConfigureAwait(false);
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

    public async ValueTask<bool> TryDeleteInAsync(IUnitOfWork unitOfWork, long id, string owner, CancellationToken cancellationToken)
    {
        if (unitOfWork is not PostgreSqlUnitOfWork { IsEnded: false } postgres || postgres.Database != database)
        {
            return false;
        }

        await using var command = database.Command(Delete, postgres.Connection, postgres.Transaction);
        Bind(command, id, owner, null, null);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
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

    private async ValueTask InsertAsync(string channel, TransportMessage message, DateTimeOffset availableAt, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = database.Command(Insert, connection, transaction);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("headers", StoredHeaders.Encode(message.Headers));
        command.Parameters.AddWithValue("body", message.Body.ToArray());
        command.Parameters.AddWithValue("available_at", availableAt.UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
