using System.Data.Common;
using Conveyor.Failures.DeadLetters;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.PostgreSql.DeadLetters;

/// <summary>
/// Dead letters in the <c>conveyor_dead_letters</c> table, one row per dead-letter id, with the message's headers and
/// body byte for byte. <see cref="DeadLetter.FailedAt"/> is kept to the tick. Ids are ordered by the "C" collation
/// (UTF-8 byte order), as in SQLite.
/// </summary>
internal sealed class PostgreSqlDeadLetterStore(PostgreSqlDatabase database) : DatabaseDeadLetterStore
{
    private const string AddStatement = $"""
        INSERT INTO {"{schema}"}.conveyor_dead_letters (id, {Columns})
        VALUES (@id, @message_id, @endpoint_id, @channel, @position, @exception_type, @exception_message, @attempts, @failed_at, @headers, @body)
        ON CONFLICT (id) DO UPDATE SET
            message_id = excluded.message_id, endpoint_id = excluded.endpoint_id, channel = excluded.channel,
            position = excluded.position, exception_type = excluded.exception_type,
            exception_message = excluded.exception_message, attempts = excluded.attempts, failed_at = excluded.failed_at,
            headers = excluded.headers, body = excluded.body;
        """;

    private const string GetStatement = $"SELECT {Columns} FROM {"{schema}"}.conveyor_dead_letters WHERE id = @id;";

    private const string DeleteStatement = "DELETE FROM {schema}.conveyor_dead_letters WHERE id = @id;";

    // Filters that are not set compare the parameter with NULL and drop out. The exception type matches the full name
    // or its end after '.' or '+', case-sensitively (right() and =, not LIKE, which reads wildcards). The page
    // continues after the (failed_at, id) position, in the order of the (failed_at, id) indexes.
    private const string ListStatement = $"""
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

    protected override string AddSql => AddStatement;

    protected override string GetSql => GetStatement;

    protected override string DeleteSql => DeleteStatement;

    protected override string ListSql => ListStatement;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override DbCommand CreateCommand(DbConnection connection, string sql) => database.Command(sql, (NpgsqlConnection)connection);

    protected override async ValueTask<int> WriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = database.Command(sql, connection);
        bind(command);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
