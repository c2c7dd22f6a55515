using Conveyor.Storage;

namespace Conveyor.Sqlite;

/// <summary>
/// Where the SQLite database is and how its stores behave. Bound from the <c>Conveyor:Sqlite</c> configuration section
/// (which overrides what code sets) and validated at start-up. The scheduler and clean-up settings are
/// <see cref="DatabaseStoreOptions"/>'s.
/// </summary>
public sealed class SqliteOptions : DatabaseStoreOptions
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
}
