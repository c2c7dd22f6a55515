using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sqlite.Tests;

/// <summary><c>conveyor db migrate</c> in an application that uses SQLite.</summary>
public sealed class SqliteMigrateCommandTests : IDisposable
{
    private readonly TempDatabase _file = new();

    [Fact]
    public async Task Migrate_CreatesTheSchema_ThenFindsItUpToDate()
    {
        var first = await InvokeAsync("db", "migrate");
        var second = await InvokeAsync("db", "migrate");

        first.ExitCode.ShouldBe(0, first.Error);
        first.Output.Trim().ShouldBe($"SQLite {_file.Path}: migrated from schema version 0 to {SqliteDatabase.SchemaVersion}.");
        ((long)_file.Scalar("SELECT MAX(version) FROM conveyor_schema;")!).ShouldBe(SqliteDatabase.SchemaVersion);
        second.ExitCode.ShouldBe(0, second.Error);
        second.Output.Trim().ShouldBe($"SQLite {_file.Path}: schema version {SqliteDatabase.SchemaVersion}, up to date.");
    }

    private async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddConveyor(c => c.UseSqlite(_file.ConnectionString));
        using var host = builder.Build();
        var (output, error) = (new StringWriter(), new StringWriter());
        var (originalOut, originalError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exitCode = await host.RunWithConveyorAsync(["conveyor", .. args]);
            return (exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }

    public void Dispose() => _file.Dispose();
}
