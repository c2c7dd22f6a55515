using Conveyor.Failures.DeadLetters;
using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.DeadLetters;

/// <summary>
/// Dead letters in the <c>conveyor_dead_letters</c> table, one row per dead-letter id, with the message's headers and
/// body byte for byte. <see cref="DeadLetter.FailedAt"/> is kept to the tick. Ids are ordered by SQLite's binary
/// collation (UTF-8 byte order), which is ordinal order except between characters beyond U+FFFF and U+E000–U+FFFF.
/// </summary>
internal sealed class SqliteDeadLetterStore(SqliteDatabase database) : IDeadLetterStore
{
    public async ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        var headers = StoredHeaders.Encode(deadLetter.Message.Headers);
        var body = deadLetter.Message.Body.ToArray();
        await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = DeadLetterSql.Add;
                command.Parameters.AddWithValue("$id", deadLetter.Id);
                command.Parameters.AddWithValue("$message_id", deadLetter.MessageId);
                command.Parameters.AddWithValue("$endpoint_id", deadLetter.EndpointId);
                command.Parameters.AddWithValue("$channel", deadLetter.ChannelName);
                command.Parameters.AddWithValue("$position", deadLetter.Position);
                command.Parameters.AddWithValue("$exception_type", deadLetter.ExceptionType);
                command.Parameters.AddWithValue("$exception_message", deadLetter.ExceptionMessage);
                command.Parameters.AddWithValue("$attempts", deadLetter.Attempts);
                command.Parameters.AddWithValue("$failed_at", deadLetter.FailedAt.UtcTicks);
                command.Parameters.AddWithValue("$headers", headers);
                command.Parameters.AddWithValue("$body", body);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = DeadLetterSql.List;
        command.Parameters.AddWithValue("$endpoint_id", (object?)query.EndpointId ?? DBNull.Value);
        command.Parameters.AddWithValue("$channel", (object?)query.ChannelName ?? DBNull.Value);
        command.Parameters.AddWithValue("$exception_type", (object?)query.ExceptionType ?? DBNull.Value);
        command.Parameters.AddWithValue("$failed_from", (object?)query.FailedFrom?.UtcTicks ?? DBNull.Value);
        command.Parameters.AddWithValue("$failed_to", (object?)query.FailedTo?.UtcTicks ?? DBNull.Value);
        command.Parameters.AddWithValue("$after_at", (object?)query.AfterPosition?.FailedAt.UtcTicks ?? DBNull.Value);
        command.Parameters.AddWithValue("$after_id", (object?)query.AfterPosition?.Id ?? DBNull.Value);

        // One more than the page says whether a next page exists.
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        var items = new List<DeadLetter>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(Read(reader));
            }
        }

        if (items.Count <= query.Limit)
        {
            return new DeadLetterPage(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new DeadLetterPage(items, DeadLetterPosition.Of(items[^1]).ToToken());
    }

    public async ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = DeadLetterSql.Get;
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = DeadLetterSql.Delete;
                command.Parameters.AddWithValue("$id", id);
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static DeadLetter Read(SqliteDataReader reader) => new(
        MessageId: reader.GetString(0),
        EndpointId: reader.GetString(1),
        Message: new TransportMessage(StoredHeaders.Decode((byte[])reader.GetValue(8)), (byte[])reader.GetValue(9)),
        ChannelName: reader.GetString(2),
        Position: reader.GetString(3),
        ExceptionType: reader.GetString(4),
        ExceptionMessage: reader.GetString(5),
        Attempts: reader.GetInt32(6),
        FailedAt: new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero));
}
