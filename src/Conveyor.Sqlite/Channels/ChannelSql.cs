namespace Conveyor.Sqlite.Channels;

/// <summary>The database channel's SQL. Available times are UTC ticks on the application's clock; leases are milliseconds on the database clock.</summary>
internal static class ChannelSql
{
    private const string DatabaseNow = SqliteClock.NowMilliseconds;

    public const string Insert = """
        INSERT INTO conveyor_channel_messages (channel, headers, body, available_at)
        VALUES ($channel, $headers, $body, $available_at);
        """;

    // Takes the oldest available messages nobody holds (or whose holder's lease ran out) in one statement inside a
    // write transaction, so that two consumers never take the same message.
    public const string Lease = $"""
        UPDATE conveyor_channel_messages SET lease_owner = $owner, lease_expires_at = {DatabaseNow} + $lease_ms
        WHERE id IN (
            SELECT id FROM conveyor_channel_messages
            WHERE channel = $channel AND available_at <= $now AND (lease_expires_at IS NULL OR lease_expires_at <= {DatabaseNow})
            ORDER BY id
            LIMIT $limit)
        RETURNING id, headers, body;
        """;

    public const string Renew = $"UPDATE conveyor_channel_messages SET lease_expires_at = {DatabaseNow} + $lease_ms WHERE lease_owner = $owner;";

    public const string Delete = "DELETE FROM conveyor_channel_messages WHERE id = $id AND lease_owner = $owner;";

    public const string Release = """
        UPDATE conveyor_channel_messages SET lease_owner = NULL, lease_expires_at = NULL, available_at = COALESCE($available_at, available_at)
        WHERE id = $id AND lease_owner = $owner;
        """;

    public const string ReleaseAll = "UPDATE conveyor_channel_messages SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $owner;";

    public const string Count = "SELECT COUNT(*) FROM conveyor_channel_messages WHERE channel = $channel;";

    public const string NextAvailable = $"""
        SELECT MIN(available_at) FROM conveyor_channel_messages
        WHERE channel = $channel AND (lease_expires_at IS NULL OR lease_expires_at <= {DatabaseNow});
        """;
}
