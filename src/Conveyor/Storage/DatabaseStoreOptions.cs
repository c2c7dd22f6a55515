namespace Conveyor.Storage;

/// <summary>
/// The settings every database store package shares (SQLite, PostgreSQL): how its durable scheduler polls and leases,
/// and how expired deduplication keys are removed. Each package's options derive from it and add where the database is.
/// </summary>
public abstract class DatabaseStoreOptions
{
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

    /// <summary>The most expired keys one clean-up transaction removes, so that it never holds locks long. Default 1000.</summary>
    public int CleanupBatchSize { get; set; } = 1000;
}
