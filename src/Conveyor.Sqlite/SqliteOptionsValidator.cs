using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite;

/// <summary>Checks <see cref="SqliteOptions"/> at start-up, naming each bad value and what to write instead.</summary>
internal sealed class SqliteOptionsValidator() : DatabaseStoreOptionsValidator<SqliteOptions>(SqliteOptions.SectionName)
{
    protected override void ValidateDatabase(SqliteOptions options, List<string> errors)
    {
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
    }
}
