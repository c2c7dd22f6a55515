using Conveyor.Storage;

namespace Conveyor.PostgreSql;

/// <summary>
/// Where the PostgreSQL database is and how its stores behave. Bound from the <c>Conveyor:PostgreSql</c>
/// configuration section (which overrides what code sets) and validated at start-up. The scheduler and clean-up
/// settings are <see cref="DatabaseStoreOptions"/>'s.
/// </summary>
public sealed class PostgreSqlOptions : DatabaseStoreOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Conveyor:PostgreSql";

    /// <summary>
    /// The Npgsql connection string, e.g. <c>Host=db;Database=shop;Username=shop;Password=…</c>. The user needs to
    /// create tables in <see cref="Schema"/> on first use, or run <c>conveyor db migrate</c> with one that can.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The schema the tables live in, created when missing. Default <c>public</c>. Applications sharing one database
    /// keep their state apart with a schema each.
    /// </summary>
    public string Schema { get; set; } = "public";
}
