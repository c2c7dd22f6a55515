using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Conveyor.Sqlite;

/// <summary>Checks <see cref="SqliteOptions"/> at start-up, naming each bad value and what to write instead.</summary>
internal sealed class SqliteOptionsValidator : IValidateOptions<SqliteOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{SqliteOptions.SectionName}:ConnectionString is not set. Pass it to UseSqlite(\"Data Source=conveyor.db\") or set it in configuration.");
        }
        else
        {
            try
            {
                var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
                {
                    errors.Add($"{SqliteOptions.SectionName}:ConnectionString '{options.ConnectionString}' names no database file. Use a file, e.g. 'Data Source=conveyor.db': an in-memory database is empty for every connection.");
                }
                else if (builder.Mode == SqliteOpenMode.ReadOnly)
                {
                    errors.Add($"{SqliteOptions.SectionName}:ConnectionString opens the database read-only; the stores write. Remove 'Mode=ReadOnly'.");
                }
            }
            catch (ArgumentException e)
            {
                errors.Add($"{SqliteOptions.SectionName}:ConnectionString '{options.ConnectionString}' is not a SQLite connection string ({e.Message}). Example: 'Data Source=conveyor.db'.");
            }
        }

        Positive(options.BusyTimeout, nameof(SqliteOptions.BusyTimeout), "00:00:30", errors);
        Positive(options.SchedulerPollInterval, nameof(SqliteOptions.SchedulerPollInterval), "00:00:01", errors);
        Positive(options.CleanupInterval, nameof(SqliteOptions.CleanupInterval), "00:05:00", errors);
        if (options.SchedulerLease < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{SqliteOptions.SectionName}:SchedulerLease {options.SchedulerLease:c} is shorter than a second: another instance would take messages still being delivered. Use e.g. 00:00:30.");
        }

        if (options.SchedulerBatchSize < 1)
        {
            errors.Add($"{SqliteOptions.SectionName}:SchedulerBatchSize {options.SchedulerBatchSize} must be 1 or more, e.g. 100.");
        }

        if (options.CleanupBatchSize < 1)
        {
            errors.Add($"{SqliteOptions.SectionName}:CleanupBatchSize {options.CleanupBatchSize} must be 1 or more, e.g. 1000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(TimeSpan value, string key, string example, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{SqliteOptions.SectionName}:{key} {value:c} must be positive, e.g. {example}.");
        }
    }
}
