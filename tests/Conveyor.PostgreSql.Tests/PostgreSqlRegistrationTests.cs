using Conveyor.Deduplication;
using Conveyor.Failures.DeadLetters;
using Conveyor.Scheduling;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.PostgreSql.Tests;

/// <summary>UsePostgreSql: what it registers, where the options come from, start-up validation, the schema and its migrations.</summary>
public sealed class PostgreSqlRegistrationTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestSchema _schema = new(database);

    [Fact]
    public void UsePostgreSql_RegistersEveryStore_TheUnitOfWork_AndTheMigrator()
    {
        using var provider = Provider(c => c.UsePostgreSql(_schema.ConnectionString));

        provider.GetRequiredService<IUnitOfWorkFactory>().ShouldBeOfType<StoreUnitOfWorkFactory<PostgreSqlUnitOfWork>>();
        provider.GetRequiredService<IDeduplicationStore>().ShouldBeOfType<Deduplication.PostgreSqlDeduplicationStore>();
        provider.GetRequiredService<IDeadLetterStore>().ShouldBeOfType<DeadLetters.PostgreSqlDeadLetterStore>();
        provider.GetRequiredService<IMessageScheduler>().IsDurable.ShouldBeTrue();
        provider.GetRequiredService<ISchemaMigrator>().Name.ShouldStartWith("PostgreSQL ");
    }

    [Fact]
    public void Options_FromConfiguration_OverrideTheCode()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Conveyor:PostgreSql:ConnectionString"] = _schema.ConnectionString,
                ["Conveyor:PostgreSql:Schema"] = "from_configuration",
            })
            .Build();
        using var provider = Provider(c => c.UsePostgreSql("Host=ignored", o => o.Schema = "from_code"), configuration);

        var options = provider.GetRequiredService<IOptions<PostgreSqlOptions>>().Value;

        options.ConnectionString.ShouldBe(_schema.ConnectionString);
        provider.GetRequiredService<PostgreSqlDatabase>().Schema.ShouldBe("from_configuration");
    }

    [Theory]
    [InlineData(null, null, "ConnectionString is not set")]
    [InlineData("Database=app", null, "names no server")]
    [InlineData("Nonsense Key=1", null, "is not an Npgsql connection string")]
    [InlineData("Host=localhost", "Robert'); DROP TABLE students;--", "Schema 'Robert'); DROP TABLE students;--' is not a lower-case PostgreSQL name")]
    [InlineData("Host=localhost", "", "Schema '' is not")]
    public void BadOptions_FailValidation_SayingWhatToWrite(string? connectionString, string? schema, string expected)
    {
        using var provider = Provider(c => c.UsePostgreSql(connectionString, o => o.Schema = schema ?? o.Schema));

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgreSqlOptions>>().Value);

        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void BadSchedulerSettings_FailValidation_WithThePostgreSqlSection()
    {
        using var provider = Provider(c => c.UsePostgreSql("Host=localhost", o => o.SchedulerLease = TimeSpan.FromMilliseconds(10)));

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgreSqlOptions>>().Value);

        error.Message.ShouldContain("Conveyor:PostgreSql:SchedulerLease");
    }

    [Fact]
    public void UsePostgreSql_Twice_IsAConfigurationError()
    {
        Should.Throw<ConveyorConfigurationException>(() => Provider(c => c.UsePostgreSql("Host=a").UsePostgreSql("Host=a")).Dispose())
            .Message.ShouldContain("called twice");
    }

    [Fact]
    public async Task Migrate_CreatesTheSchemaAndItsTables_OnceOnly()
    {
        var first = _schema.Open();

        (await first.MigrateAsync(default)).ShouldBe(0, "a new schema has no tables");
        (await _schema.Open().MigrateAsync(default)).ShouldBe(PostgreSqlDatabase.SchemaVersion, "a second migration finds it current");

        (await _schema.CountAsync("SELECT MAX(version) FROM conveyor_schema;")).ShouldBe(PostgreSqlDatabase.SchemaVersion);
        (await _schema.CountAsync($"SELECT COUNT(*) FROM pg_tables WHERE schemaname = '{_schema.Name}' AND tablename LIKE 'conveyor_%';")).ShouldBe(9, "schema, deduplication, dead letters, scheduled, outbox, outbox lanes, channel messages, aggregates, events");
        (await _schema.CountAsync("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'conveyor_%';"))
            .ShouldBe(0, "the tables live in the configured schema only");
    }

    [Fact]
    public async Task Migrate_FromInstancesStartingTogether_TakesTurns_AndAppliesEachVersionOnce()
    {
        var instances = Enumerable.Range(0, 6).Select(_ => _schema.Open()).ToArray();

        var before = await Task.WhenAll(instances.Select(i => i.MigrateAsync(default)));

        before.Count(v => v == 0).ShouldBe(1, "one instance migrated; the others waited on the advisory lock, then found the schema current");
        (await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_schema;")).ShouldBe(PostgreSqlDatabase.SchemaVersion);
    }

    [Fact]
    public async Task Migrate_ASchemaNewerThanThePackage_Refuses()
    {
        await _schema.Open().MigrateAsync(default);
        await _schema.ScalarAsync("INSERT INTO conveyor_schema (version) VALUES (999);");

        var error = await Should.ThrowAsync<InvalidOperationException>(() => _schema.Open().MigrateAsync(default));

        error.Message.ShouldContain("newer than this version of Conveyor.PostgreSql knows");
        error.Message.ShouldContain("Upgrade the package");
    }

    private static ServiceProvider Provider(Action<ConveyorBuilder> configure, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        if (configuration is not null)
        {
            services.AddSingleton(configuration);
        }

        services.AddConveyor(configure);
        return services.BuildServiceProvider();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
