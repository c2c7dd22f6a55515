using System.Text.RegularExpressions;
using Conveyor.Storage;
using Npgsql;

namespace Conveyor.PostgreSql;

/// <summary>Checks <see cref="PostgreSqlOptions"/> at start-up, naming each bad value and what to write instead.</summary>
internal sealed partial class PostgreSqlOptionsValidator() : DatabaseStoreOptionsValidator<PostgreSqlOptions>(PostgreSqlOptions.SectionName)
{
    protected override void ValidateDatabase(PostgreSqlOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{SectionName}:ConnectionString is not set. Pass it to UsePostgreSql(\"Host=localhost;Database=app;Username=app;Password=…\") or set it in configuration.");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    errors.Add($"{SectionName}:ConnectionString names no server. Add 'Host=…', e.g. 'Host=localhost;Database=app;Username=app'.");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                errors.Add($"{SectionName}:ConnectionString is not an Npgsql connection string ({e.Message}). Example: 'Host=localhost;Database=app;Username=app;Password=…'.");
            }
        }

        // Lower case, unquoted-identifier characters: the name means the same quoted or not, in every tool.
        if (string.IsNullOrEmpty(options.Schema) || !Identifier().IsMatch(options.Schema))
        {
            errors.Add($"{SectionName}:Schema '{options.Schema}' is not a lower-case PostgreSQL name of up to 63 letters, digits and '_' starting with a letter or '_'. Use e.g. 'public' or 'conveyor'.");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
