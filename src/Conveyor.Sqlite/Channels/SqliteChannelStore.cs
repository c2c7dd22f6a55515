using Conveyor.Storage;
using System.Globalization;
using Conveyor.Channels.Database;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Channels;

/// <summary>
/// The database channels' rows in the <c>conveyor_channel_messages</c> table, one table for every channel of the
/// database file. Writes go through <see cref="SqliteDatabase.WriteAsync{T}"/>: inside a handled message whose unit
/// of work is this database's, an insert joins that transaction.
/// </summary>
internal sealed class SqliteChannelStore(SqliteDatabase database) : IDatabaseChannelStore
{
    public string Address => $"{database.FilePath} (conveyor_channel_messages)";

    public bool InsertJoinsTransaction => Joined is not null;

    /// <summary>The unit of work of the message being handled, when it is this database's: writes join its transaction.</summary>
    private SqliteUnitOfWork? Joined => AmbientUnitOfWork<SqliteUnitOfWork>.Current is { } ambient && ambient.Database == database ? ambient : null;

    public async ValueTask InsertAsync(string channel, TransportMessage message, DateTimeOffset availableAt, Action committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(committed);
        var row = new ChannelRow(message, availableAt);
        var joined = Joined;
        await database.WriteAsync((connection, transaction) => Insert(connection, transaction, channel, [row]), cancellationToken).ConfigureAwait(false);
        if (joined is not null)
        {
            joined.Enlist(new OnCommit(committed));
        }
        else
        {
            committed();
        }
    }

    public async ValueTask InsertManyAsync(string channel, IReadOnlyList<ChannelRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);

        // A transaction of its own even inside a unit of work: one commit (and one turn of the write lock) for them all.
        var (connection, transaction) = await database.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Insert(connection, transaction, channel, rows);
            transaction.Commit();
        }
        finally
        {
            await database.EndWrite(connection, transaction).ConfigureAwait(false);
        }
    }

    public async ValueTask<IReadOnlyList<LeasedMessage>> LeaseAsync(string channel, string owner, TimeSpan lease, int limit, DateTimeOffset now, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, ChannelSql.Lease);
                command.Parameters.AddWithValue("$channel", channel);
                command.Parameters.AddWithValue("$owner", owner);
                command.Parameters.AddWithValue("$lease_ms", (long)lease.TotalMilliseconds);
                command.Parameters.AddWithValue("$now", now.UtcTicks);
                command.Parameters.AddWithValue("$limit", limit);
                var rows = new List<LeasedMessage>();
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        rows.Add(Read(reader.GetInt64(0), reader.GetValue(1), reader.GetValue(2)));
                    }
                }

                // RETURNING gives no order: hand them out in the order they were inserted.
                rows.Sort((a, b) => a.Id.CompareTo(b.Id));
                return rows;
            },
            cancellationToken).ConfigureAwait(false);

    public ValueTask<int> RenewAsync(string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        WriteAsync(ChannelSql.Renew, null, owner, lease, null, cancellationToken);

    public async ValueTask<bool> DeleteAsync(long id, string owner, CancellationToken cancellationToken) =>
        await WriteAsync(ChannelSql.Delete, id, owner, null, null, cancellationToken).ConfigureAwait(false) == 1;

    public bool CanInsertIn(IUnitOfWork unitOfWork) => unitOfWork is SqliteUnitOfWork { IsEnded: false } sqlite && sqlite.Database == database;

    public async ValueTask<bool> TryDeleteInAsync(IUnitOfWork unitOfWork, long id, string owner, CancellationToken cancellationToken)
    {
        if (unitOfWork is not SqliteUnitOfWork sqlite || sqlite.Database != database)
        {
            return false;
        }

        await using var command = sqlite.CreateCommand(ChannelSql.Delete);
        Bind(command, id, owner, null, null);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask ReleaseAsync(long id, string owner, DateTimeOffset? availableAt, CancellationToken cancellationToken) =>
        await WriteAsync(ChannelSql.Release, id, owner, null, availableAt, cancellationToken).ConfigureAwait(false);

    public async ValueTask ReleaseAllAsync(string owner, CancellationToken cancellationToken) =>
        await WriteAsync(ChannelSql.ReleaseAll, null, owner, null, null, cancellationToken).ConfigureAwait(false);

    public async ValueTask<long> CountAsync(string channel, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = ChannelSql.Count;
        command.Parameters.AddWithValue("$channel", channel);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask<DateTimeOffset?> NextAvailableAsync(string channel, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = ChannelSql.NextAvailable;
        command.Parameters.AddWithValue("$channel", channel);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks
            ? new DateTimeOffset(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero)
            : null;
    }

    /// <summary>
    /// The message of a row, or, when the row cannot be decoded (written by something else, or damaged), its raw body
    /// with the row id as message id and the reason, for the dead letter.
    /// </summary>
    private static LeasedMessage Read(long id, object headers, object body)
    {
        try
        {
            if (headers is not byte[] headerBlob || body is not byte[] bodyBlob)
            {
                throw new InvalidDataException($"headers and body must be blobs, but are {Describe(headers)} and {Describe(body)}");
            }

            return new LeasedMessage(id, new TransportMessage(StoredHeaders.Decode(headerBlob), bodyBlob));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            var fallback = new MessageHeaders(1);
            fallback.Set(MessageHeaderNames.MessageId, $"conveyor_channel_messages#{id.ToString(CultureInfo.InvariantCulture)}");
            var raw = body switch
            {
                byte[] bytes => bytes,
                string text => System.Text.Encoding.UTF8.GetBytes(text),
                _ => [],
            };
            return new LeasedMessage(id, new TransportMessage(fallback, raw), $"Row {id} of conveyor_channel_messages cannot be read: {e.Message}");
        }
    }

    private static string Describe(object value) => value is DBNull ? "null" : value.GetType().Name;

    private ValueTask<int> WriteAsync(string sql, long? id, string owner, TimeSpan? lease, DateTimeOffset? availableAt, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, sql);
                Bind(command, id, owner, lease, availableAt);
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    private static void Bind(SqliteCommand command, long? id, string owner, TimeSpan? lease, DateTimeOffset? availableAt)
    {
        command.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$lease_ms", lease is { } l ? (long)l.TotalMilliseconds : DBNull.Value);
        command.Parameters.AddWithValue("$available_at", availableAt is { } at ? at.UtcTicks : DBNull.Value);
    }

    /// <summary>Inserts the rows in their order with one prepared statement (SQLite is in-process: statements cost no round trip).</summary>
    private static int Insert(SqliteConnection connection, SqliteTransaction transaction, string channel, IReadOnlyList<ChannelRow> rows)
    {
        using var command = Command(connection, transaction, ChannelSql.Insert);
        command.Parameters.AddWithValue("$channel", channel);
        var headers = command.Parameters.Add("$headers", SqliteType.Blob);
        var body = command.Parameters.Add("$body", SqliteType.Blob);
        var availableAt = command.Parameters.Add("$available_at", SqliteType.Integer);
        foreach (var row in rows)
        {
            headers.Value = StoredHeaders.Encode(row.Message.Headers);
            body.Value = row.Message.Body.ToArray();
            availableAt.Value = row.AvailableAt.UtcTicks;
            command.ExecuteNonQuery();
        }

        return rows.Count;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
