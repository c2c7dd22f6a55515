namespace Conveyor.Sqlite.Scheduling;

/// <summary>The scheduler's SQL. Due times are UTC ticks on the application's clock; leases are milliseconds on the database clock.</summary>
internal static class SchedulerSql
{
    private const string DatabaseNow = SqliteClock.NowMilliseconds;

    public const string Schedule = """
        INSERT INTO conveyor_scheduled (channel, redeliver, headers, body, due_at, next_attempt_at)
        VALUES ($channel, $redeliver, $headers, $body, $due_at, $due_at);
        """;

    public const string CountPending = "SELECT COUNT(*) FROM conveyor_scheduled;";

    // Takes due messages nobody holds (or whose holder's lease ran out) in one statement inside a write transaction,
    // so two instances never take the same message.
    public const string Lease = $"""
        UPDATE conveyor_scheduled SET lease_owner = $owner, lease_expires_at = {DatabaseNow} + $lease_ms
        WHERE id IN (
            SELECT id FROM conveyor_scheduled
            WHERE next_attempt_at <= $now AND (lease_expires_at IS NULL OR lease_expires_at <= {DatabaseNow})
            ORDER BY next_attempt_at, id
            LIMIT $limit)
        RETURNING id, channel, redeliver, headers, body, due_at, next_attempt_at, attempts;
        """;

    public const string Renew = $"UPDATE conveyor_scheduled SET lease_expires_at = {DatabaseNow} + $lease_ms WHERE lease_owner = $owner;";

    // Send, then delete: only while this instance still holds the lease.
    public const string Delivered = "DELETE FROM conveyor_scheduled WHERE id = $id AND lease_owner = $owner;";

    public const string Failed = """
        UPDATE conveyor_scheduled
        SET attempts = attempts + 1, next_attempt_at = $next_attempt_at, lease_owner = NULL, lease_expires_at = NULL
        WHERE id = $id AND lease_owner = $owner;
        """;

    // When the next message nobody else holds is due, for the poll loop's wait.
    public const string NextDue = $"""
        SELECT MIN(next_attempt_at) FROM conveyor_scheduled
        WHERE lease_expires_at IS NULL OR lease_expires_at <= {DatabaseNow} OR lease_owner = $owner;
        """;

    // A stopping instance hands back what it took and did not deliver, rather than have it wait for the lease to run out.
    public const string Release = "UPDATE conveyor_scheduled SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $owner;";
}
