namespace Conveyor.Tests.Hosting.CommandLine;

/// <summary><c>conveyor db migrate</c> without a database store; the stores' own tests run it against their databases.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class DatabaseCommandTests
{
    [Fact]
    public async Task Migrate_WithTheStoresInMemory_FailsSayingHowToConfigureADatabase()
    {
        var result = await new CliApp().InvokeAsync("db", "migrate");

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain("No store with a database schema is configured");
        result.Error.ShouldContain("UsePostgreSql(...)");
    }
}
