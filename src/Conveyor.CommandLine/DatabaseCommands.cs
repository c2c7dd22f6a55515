using System.CommandLine;
using System.Data.Common;
using Conveyor.Storage;

namespace Conveyor.Hosting.CommandLine;

/// <summary><c>conveyor db migrate</c>: create or migrate the schema of every configured store, ahead of a deployment.</summary>
internal static class DatabaseCommands
{
    public static Command Create(CommandLineContext context) =>
        new("db", "Manage the databases of the configured stores.")
        {
            Migrate(context),
        };

    private static Command Migrate(CommandLineContext context)
    {
        var command = new Command(
            "migrate",
            "Create or migrate the tables of every configured store (UseSqlite, UsePostgreSql) to this version's schema. Safe to run again, and beside running instances.");
        context.SetAction(command, async (_, cancellationToken) =>
        {
            var migrators = context.SchemaMigrators;
            if (migrators.Count == 0)
            {
                throw new CommandLineException(
                    "No store with a database schema is configured: the stores are in memory. Call UseSqlite(...) or UsePostgreSql(...) in AddConveyor to keep them in a database.");
            }

            foreach (var migrator in migrators)
            {
                SchemaMigration migration;
                try
                {
                    migration = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or DbException or TimeoutException)
                {
                    throw new CommandLineException($"{migrator.Name}: {e.Message}");
                }

                await context.Output.WriteLineAsync(migration.Applied
                    ? $"{migrator.Name}: migrated from schema version {migration.From} to {migration.To}."
                    : $"{migrator.Name}: schema version {migration.To}, up to date.").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
