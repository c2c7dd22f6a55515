namespace Conveyor.Sqlite;

/// <summary>
/// Where the SQLite database is and how its stores behave. Bound from the <c>Conveyor:Sqlite</c> configuration section
/// (which overrides what code sets) and validated at start-up.
/// </summary>
public sealed class SqliteOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Conveyor:Sqlite";

    /// <summary>
    /// The connection string, e.g. <c>Data Source=conveyor.db</c>: a file, created when missing (a relative path is
    /// relative to the working directory). An in-memory database is refused, since every connection would see its own.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long a write waits for the database's single write lock, which a unit of work holds from its begin to its
    /// commit: longer than the slowest handler that writes, or messages fail with a <see cref="TimeoutException"/>.
    /// Default 30 seconds.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the scheduler looks for due messages scheduled by other instances (its own it sees at once). Its first
    /// poll waits a random part of this, so that instances starting together do not poll together. Default 1 second.
    /// </summary>
    public TimeSpan SchedulerPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an instance owns the scheduled messages it took for delivery (on the database clock) before another
    /// instance may take them; renewed while a batch is being delivered. Default 30 seconds.
    /// </summary>
    public TimeSpan SchedulerLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most due messages the scheduler takes at once. Default 100.</summary>
    public int SchedulerBatchSize { get; set; } = 100;

    /// <summary>How often expired deduplication keys are removed. Default 5 minutes.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most expired keys one clean-up transaction removes, so that it never holds the write lock long. Default 1000.</summary>
    public int CleanupBatchSize { get; set; } = 1000;
}
