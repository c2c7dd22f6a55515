using Conveyor.Storage;
using Conveyor.Deduplication;
using Conveyor.Failures.DeadLetters;
using Conveyor.Scheduling;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.Sqlite.Tests;

/// <summary>UseSqlite: what it registers, where the connection string comes from, start-up validation, the schema.</summary>
public sealed class SqliteRegistrationTests : IDisposable
{
    private readonly TempDatabase _file = new();

    [Fact]
    public void UseSqlite_RegistersEveryStore_AndTheUnitOfWork()
    {
        using var provider = Provider(c => c.UseSqlite(_file.ConnectionString));

        provider.GetRequiredService<IUnitOfWorkFactory>().ShouldBeOfType<StoreUnitOfWorkFactory<SqliteUnitOfWork>>();
        provider.GetRequiredService<IDeduplicationStore>().ShouldBeOfType<Deduplication.SqliteDeduplicationStore>();
        provider.GetRequiredService<IDeadLetterStore>().ShouldBeOfType<DeadLetters.SqliteDeadLetterStore>();
        provider.GetRequiredService<IMessageScheduler>().IsDurable.ShouldBeTrue();
    }

    [Fact]
    public void ConnectionString_FromConfiguration_OverridesTheCode()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Conveyor:Sqlite:ConnectionString"] = _file.ConnectionString })
            .Build();
        using var provider = Provider(c => c.UseSqlite("Data Source=ignored.db"), configuration);

        provider.GetRequiredService<SqliteDatabase>().FilePath.ShouldBe(_file.Path);
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("Data Source=:memory:", "names no database file")]
    [InlineData("Data Source=x.db;Mode=ReadOnly", "read-only")]
    [InlineData("Nonsense Key=1", "is not a SQLite connection string")]
    public void BadConnectionString_FailsValidation_SayingWhatToWrite(string? connectionString, string expected)
    {
        using var provider = Provider(c => c.UseSqlite(connectionString));

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SqliteOptions>>().Value);

        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void UseSqlite_Twice_IsAConfigurationError() =>
        Should.Throw<ConveyorConfigurationException>(() => Provider(c => c.UseSqlite(_file.ConnectionString).UseSqlite(_file.ConnectionString)).Dispose());

    [Fact]
    public async Task Migrate_CreatesTheVersionedSchemaInWalMode_OnceOnly()
    {
        var database = _file.Open();

        (await database.MigrateAsync(default)).ShouldBe(0, "a new file has no schema");
        (await _file.Open().MigrateAsync(default)).ShouldBe(SqliteDatabase.SchemaVersion, "a second migration finds it current");

        ((long)_file.Scalar("SELECT MAX(version) FROM conveyor_schema;")!).ShouldBe(SqliteDatabase.SchemaVersion);
        ((string)_file.Scalar("PRAGMA journal_mode;")!).ShouldBe("wal");
        ((long)_file.Scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'conveyor_%';")!).ShouldBe(8);
    }

    [Fact]
    public async Task Migrate_ADatabaseNewerThanThePackage_Refuses()
    {
        await _file.Open().MigrateAsync(default);
        _file.Scalar("INSERT INTO conveyor_schema (version, applied_at) VALUES (999, 'later');");

        var error = await Should.ThrowAsync<InvalidOperationException>(() => _file.Open().MigrateAsync(default));

        error.Message.ShouldContain("newer than this version");
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

    public void Dispose() => _file.Dispose();
}
