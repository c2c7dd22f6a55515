namespace Conveyor.Sqlite.Deduplication;

/// <summary>The deduplication store's SQL. Expiries are UTC ticks on the application's clock; pending leases are milliseconds on the database clock.</summary>
internal static class DeduplicationSql
{
    private const string DatabaseNow = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    // In a SQLite unit of work: a claim pending until its transaction commits (expires_at at the maximum); an expired
    // key, or a pending claim whose lease ran out, is claimed again in place. Changes 1 row for a claim, 0 for a
    // duplicate: one statement, no look-up then insert.
    public const string Claim = $"""
        INSERT INTO conveyor_deduplication (endpoint_id, key, expires_at, pending_until) VALUES ($endpoint, $key, $pending, NULL)
        ON CONFLICT (endpoint_id, key) DO UPDATE SET expires_at = excluded.expires_at, pending_until = NULL
        WHERE (conveyor_deduplication.pending_until IS NULL AND conveyor_deduplication.expires_at <= $now)
           OR conveyor_deduplication.pending_until <= {DatabaseNow};
        """;

    // Outside a SQLite unit of work: the same, committed at once, pending under a lease until that unit of work ends.
    public const string ClaimPending = $"""
        INSERT INTO conveyor_deduplication (endpoint_id, key, expires_at, pending_until) VALUES ($endpoint, $key, $pending, {DatabaseNow} + $lease_ms)
        ON CONFLICT (endpoint_id, key) DO UPDATE SET expires_at = excluded.expires_at, pending_until = excluded.pending_until
        WHERE (conveyor_deduplication.pending_until IS NULL AND conveyor_deduplication.expires_at <= $now)
           OR conveyor_deduplication.pending_until <= {DatabaseNow};
        """;

    // Whether the key is held by a pending claim of another process (1), rather than handled (0).
    public const string IsPending = $"SELECT pending_until > {DatabaseNow} FROM conveyor_deduplication WHERE endpoint_id = $endpoint AND key = $key;";

    // When the claim's unit of work commits: the retention is measured from then.
    public const string Stamp = "UPDATE conveyor_deduplication SET expires_at = $expires, pending_until = NULL WHERE endpoint_id = $endpoint AND key = $key;";

    // When a pending claim's unit of work rolls back.
    public const string Release = "DELETE FROM conveyor_deduplication WHERE endpoint_id = $endpoint AND key = $key AND pending_until IS NOT NULL;";

    // One batch: a short write transaction each, on the expiry index. Pending claims expire at the maximum: never.
    public const string RemoveExpired = """
        DELETE FROM conveyor_deduplication WHERE (endpoint_id, key) IN (
            SELECT endpoint_id, key FROM conveyor_deduplication WHERE expires_at <= $now LIMIT $limit);
        """;
}
