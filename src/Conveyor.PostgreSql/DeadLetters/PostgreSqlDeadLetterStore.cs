using Conveyor.Failures.DeadLetters;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.PostgreSql.DeadLetters;

/// <summary>
/// Dead letters in the <c>conveyor_dead_letters</c> table, one row per dead-letter id, with the message's headers and
/// body byte for byte. <see cref="DeadLetter.FailedAt"/> is kept to the tick. Ids are ordered by the "C" collation
/// (UTF-8 byte order), as in SQLite.
/// </summary>
internal sealed class PostgreSqlDeadLetterStore(PostgreSqlDatabase database) : IDeadLetterStore
{
    private const string Columns = "message_id, endpoint_id, channel, position, exception_type, exception_message, attempts, failed_at, headers, body";

    private const string Add = $"""
        INSERT INTO {"{schema}"}.conveyor_dead_letters (id, {Columns})
        VALUES (@id, @message_id, @endpoint_id, @channel, @position, @exception_type, @exception_message, @attempts, @failed_at, @headers, @body)
        ON CONFLICT (id) DO UPDATE SET
            message_id = excluded.message_id, endpoint_id = excluded.endpoint_id, channel = excluded.channel,
            position = excluded.position, exception_type = excluded.exception_type,
            exception_message = excluded.exception_message, attempts = excluded.attempts, failed_at = excluded.failed_at,
            headers = excluded.headers, body = excluded.body;
        """;

    private const string Get = $"SELECT {Columns} FROM {"{schema}"}.conveyor_dead_letters WHERE id = @id;";

    private const string Delete = "DELETE FROM {schema}.conveyor_dead_letters WHERE id = @id;";

    // Filters that are not set compare the parameter with NULL and drop out. The exception type matches the full name
    // or its end after '.' or '+', case-sensitively (right() and =, not LIKE, which reads wildcards). The page
    // continues after the (failed_at, id) position, in the order of the (failed_at, id) indexes.
    private const string List = $"""
        SELECT {Columns} FROM {"{schema}"}.conveyor_dead_letters
        WHERE (@endpoint_id::text IS NULL OR endpoint_id = @endpoint_id)
          AND (@channel::text IS NULL OR channel = @channel)
          AND (@exception_type::text IS NULL OR exception_type = @exception_type
               OR (length(exception_type) > length(@exception_type)
                   AND right(exception_type, length(@exception_type)) = @exception_type
                   AND substr(exception_type, length(exception_type) - length(@exception_type), 1) IN ('.', '+')))
          AND (@failed_from::bigint IS NULL OR failed_at >= @failed_from)
          AND (@failed_to::bigint IS NULL OR failed_at < @failed_to)
          AND (@after_at::bigint IS NULL OR (failed_at, id) > (@after_at, @after_id::text COLLATE "C"))
        ORDER BY failed_at, id
        LIMIT @limit;
        """;

    public async ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = database.Command(Add, connection);
        command.Parameters.AddWithValue("id", deadLetter.Id);
        command.Parameters.AddWithValue("message_id", deadLetter.MessageId);
        command.Parameters.AddWithValue("endpoint_id", deadLetter.EndpointId);
        command.Parameters.AddWithValue("channel", deadLetter.ChannelName);
        command.Parameters.AddWithValue("position", deadLetter.Position);
        command.Parameters.AddWithValue("exception_type", deadLetter.ExceptionType);
        command.Parameters.AddWithValue("exception_message", deadLetter.ExceptionMessage);
        command.Parameters.AddWithValue("attempts", deadLetter.Attempts);
        command.Parameters.AddWithValue("failed_at", deadLetter.FailedAt.UtcTicks);
        command.Parameters.AddWithValue("headers", StoredHeaders.Encode(deadLetter.Message.Headers));
        command.Parameters.AddWithValue("body", deadLetter.Message.Body.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = database.Command(List, connection);
        Nullable(command, "endpoint_id", query.EndpointId, NpgsqlTypes.NpgsqlDbType.Text);
        Nullable(command, "channel", query.ChannelName, NpgsqlTypes.NpgsqlDbType.Text);
        Nullable(command, "exception_type", query.ExceptionType, NpgsqlTypes.NpgsqlDbType.Text);
        Nullable(command, "failed_from", query.FailedFrom?.UtcTicks, NpgsqlTypes.NpgsqlDbType.Bigint);
        Nullable(command, "failed_to", query.FailedTo?.UtcTicks, NpgsqlTypes.NpgsqlDbType.Bigint);
        Nullable(command, "after_at", query.AfterPosition?.FailedAt.UtcTicks, NpgsqlTypes.NpgsqlDbType.Bigint);
        Nullable(command, "after_id", query.AfterPosition?.Id, NpgsqlTypes.NpgsqlDbType.Text);

        // One more than the page says whether a next page exists.
        command.Parameters.AddWithValue("limit", query.Limit + 1);
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
        using var command = database.Command(Get, connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = database.Command(Delete, connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static void Nullable(NpgsqlCommand command, string name, object? value, NpgsqlTypes.NpgsqlDbType type) =>
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    private static DeadLetter Read(NpgsqlDataReader reader) => new(
        MessageId: reader.GetString(0),
        EndpointId: reader.GetString(1),
        Message: new TransportMessage(StoredHeaders.Decode(reader.GetFieldValue<byte[]>(8)), reader.GetFieldValue<byte[]>(9)),
        ChannelName: reader.GetString(2),
        Position: reader.GetString(3),
        ExceptionType: reader.GetString(4),
        ExceptionMessage: reader.GetString(5),
        Attempts: reader.GetInt32(6),
        FailedAt: new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero));
}
