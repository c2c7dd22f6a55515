namespace Conveyor.Sqlite.Outbox;

/// <summary>The outbox's SQL. Lease expiries are milliseconds on the database clock.</summary>
internal static class OutboxSql
{
    private const string DatabaseNow = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    // The lane's row exists once a message of it was written: a claim only looks at the lanes table.
    public const string Append = """
        INSERT INTO conveyor_outbox (lane, channel, headers, body) VALUES ($lane, $channel, $headers, $body);
        INSERT OR IGNORE INTO conveyor_outbox_lanes (lane) VALUES ($lane);
        """;

    // 1. Renew the owner's lanes that have messages, hand back those that are empty.
    public const string Renew = $"""
        UPDATE conveyor_outbox_lanes SET lease_expires_at = {DatabaseNow} + $lease_ms
        WHERE owner = $owner AND EXISTS (SELECT 1 FROM conveyor_outbox o WHERE o.lane = conveyor_outbox_lanes.lane);
        UPDATE conveyor_outbox_lanes SET owner = NULL, lease_expires_at = NULL
        WHERE owner = $owner AND NOT EXISTS (SELECT 1 FROM conveyor_outbox o WHERE o.lane = conveyor_outbox_lanes.lane);
        """;

    // 2. Take free lanes (never held, handed back, or whose holder's lease ran out) that have messages, up to the
    // owner's limit; in random order, so that relays starting together spread over the lanes.
    public const string Lease = $"""
        UPDATE conveyor_outbox_lanes SET owner = $owner, lease_expires_at = {DatabaseNow} + $lease_ms
        WHERE lane IN (
            SELECT l.lane FROM conveyor_outbox_lanes l
            WHERE (l.owner IS NULL OR l.lease_expires_at <= {DatabaseNow})
              AND EXISTS (SELECT 1 FROM conveyor_outbox o WHERE o.lane = l.lane)
            ORDER BY RANDOM()
            LIMIT MAX(0, $max_lanes - (SELECT COUNT(*) FROM conveyor_outbox_lanes WHERE owner = $owner)));
        """;

    // 3. The first messages of every lane the owner holds, in append order per lane.
    public const string Read = """
        SELECT o.id, o.lane, o.channel, o.headers, o.body
        FROM conveyor_outbox_lanes l
        JOIN conveyor_outbox o ON o.id IN (SELECT id FROM conveyor_outbox WHERE lane = l.lane ORDER BY id LIMIT $batch)
        WHERE l.owner = $owner
        ORDER BY o.lane, o.id;
        """;

    public const string Complete = "DELETE FROM conveyor_outbox WHERE id = $id AND lane IN (SELECT lane FROM conveyor_outbox_lanes WHERE owner = $owner);";

    public const string Release = "UPDATE conveyor_outbox_lanes SET owner = NULL, lease_expires_at = NULL WHERE owner = $owner;";

    public const string Count = "SELECT COUNT(*) FROM conveyor_outbox;";
}
