using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.PostgreSql.Tests;

/// <summary><c>conveyor db migrate</c> in an application that uses PostgreSQL.</summary>
public sealed class PostgreSqlMigrateCommandTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestSchema _schema = new(database);

    [Fact]
    public async Task Migrate_CreatesTheSchema_ThenFindsItUpToDate()
    {
        var first = await InvokeAsync("db", "migrate");
        var second = await InvokeAsync("db", "migrate");

        first.ExitCode.ShouldBe(0, first.Error);
        first.Output.ShouldContain($"schema {_schema.Name}: migrated from schema version 0 to {PostgreSqlDatabase.SchemaVersion}.");
        (await _schema.CountAsync("SELECT MAX(version) FROM conveyor_schema;")).ShouldBe(PostgreSqlDatabase.SchemaVersion);
        second.ExitCode.ShouldBe(0, second.Error);
        second.Output.ShouldContain($"schema {_schema.Name}: schema version {PostgreSqlDatabase.SchemaVersion}, up to date.");
    }

    [Fact]
    public async Task Migrate_ASchemaNewerThanThePackage_FailsSayingSo()
    {
        await _schema.Open().MigrateAsync(default);
        await _schema.ScalarAsync("INSERT INTO conveyor_schema (version) VALUES (999);");

        var result = await InvokeAsync("db", "migrate");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("newer than this version of Conveyor.PostgreSql knows");
    }

    [Fact]
    public async Task Migrate_WithAnInvalidConnectionString_ListsTheFix()
    {
        var result = await InvokeAsync(["db", "migrate"], connectionString: "Database=app");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("Conveyor:PostgreSql:ConnectionString names no server");
    }

    private Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args) => InvokeAsync(args, _schema.ConnectionString);

    private async Task<(int ExitCode, string Output, string Error)> InvokeAsync(string[] args, string connectionString)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Conveyor:PostgreSql:ConnectionString"] = connectionString,
            ["Conveyor:PostgreSql:Schema"] = _schema.Name,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddConveyor(c => c.UsePostgreSql());
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

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
