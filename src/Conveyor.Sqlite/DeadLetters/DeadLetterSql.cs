using Conveyor.Storage;

namespace Conveyor.Sqlite.DeadLetters;

/// <summary>The dead-letter store's SQL.</summary>
internal static class DeadLetterSql
{
    private const string Columns = DatabaseDeadLetterStore.Columns;

    public const string Add = $"""
        INSERT INTO conveyor_dead_letters (id, {Columns})
        VALUES ($id, $message_id, $endpoint_id, $channel, $position, $exception_type, $exception_message, $attempts, $failed_at, $headers, $body)
        ON CONFLICT (id) DO UPDATE SET
            message_id = excluded.message_id, endpoint_id = excluded.endpoint_id, channel = excluded.channel,
            position = excluded.position, exception_type = excluded.exception_type,
            exception_message = excluded.exception_message, attempts = excluded.attempts, failed_at = excluded.failed_at,
            headers = excluded.headers, body = excluded.body;
        """;

    public const string Get = $"SELECT {Columns} FROM conveyor_dead_letters WHERE id = $id;";

    public const string Delete = "DELETE FROM conveyor_dead_letters WHERE id = $id;";

    // Filters that are not set compare the parameter with NULL and drop out. The exception type matches the full name
    // or its end after '.' or '+', case-sensitively (substr and =, not LIKE, which ignores case and reads wildcards).
    // The page continues after the (failed_at, id) position, in the order of the (failed_at, id) indexes.
    public const string List = $"""
        SELECT {Columns} FROM conveyor_dead_letters
        WHERE ($endpoint_id IS NULL OR endpoint_id = $endpoint_id)
          AND ($channel IS NULL OR channel = $channel)
          AND ($exception_type IS NULL OR exception_type = $exception_type
               OR (length(exception_type) > length($exception_type)
                   AND substr(exception_type, -length($exception_type)) = $exception_type
                   AND substr(exception_type, -length($exception_type) - 1, 1) IN ('.', '+')))
          AND ($failed_from IS NULL OR failed_at >= $failed_from)
          AND ($failed_to IS NULL OR failed_at < $failed_to)
          AND ($after_at IS NULL OR (failed_at, id) > ($after_at, $after_id))
        ORDER BY failed_at, id
        LIMIT $limit;
        """;
}
