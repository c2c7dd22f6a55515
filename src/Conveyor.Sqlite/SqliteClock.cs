namespace Conveyor.Sqlite;

/// <summary>The database clock leases are measured on, so that every instance on one file reads the same clock.</summary>
internal static class SqliteClock
{
    /// <summary>SQL for the database clock's now, in milliseconds since the Unix epoch.</summary>
    public const string NowMilliseconds = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
}
