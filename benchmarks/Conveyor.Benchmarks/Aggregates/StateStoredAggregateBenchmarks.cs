using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Conveyor.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Aggregates;

public sealed record Increment(string CounterId);

public sealed record IncrementByHand(string CounterId);

[Aggregate]
public sealed class Counter : AggregateRoot
{
    [Identifier]
    public string CounterId { get; private set; } = "";

    public long Value { get; private set; }

    [CommandHandler]
    public void Handle(Increment command) => Value++;
}

/// <summary>The same state, loaded, changed and saved by hand with the SQL the SQLite aggregate store runs.</summary>
public sealed class CounterState
{
    public string CounterId { get; set; } = "";

    public long Value { get; set; }
}

public sealed class HandWrittenCounterHandler(SqliteDatabase database)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [CommandHandler]
    public async Task Handle(IncrementByHand command)
    {
        await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        using var load = connection.CreateCommand();
        load.Transaction = transaction;
        load.CommandText = "SELECT state, version FROM conveyor_aggregates WHERE aggregate_type = $type AND id = $id;";
        load.Parameters.AddWithValue("$type", "Counter");
        load.Parameters.AddWithValue("$id", command.CounterId);
        string json;
        long version;
        using (var reader = await load.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            (json, version) = (reader.GetString(0), reader.GetInt64(1));
        }

        var state = JsonSerializer.Deserialize<CounterState>(json, Json)!;
        state.Value++;
        using var save = connection.CreateCommand();
        save.Transaction = transaction;
        save.CommandText = "UPDATE conveyor_aggregates SET state = $state, version = $version WHERE aggregate_type = $type AND id = $id AND version = $expected;";
        save.Parameters.AddWithValue("$type", "Counter");
        save.Parameters.AddWithValue("$id", command.CounterId);
        save.Parameters.AddWithValue("$state", JsonSerializer.Serialize(state, Json));
        save.Parameters.AddWithValue("$version", version + 1);
        save.Parameters.AddWithValue("$expected", version);
        if (await save.ExecuteNonQueryAsync() != 1)
        {
            throw new InvalidOperationException("Counter changed meanwhile.");
        }

        await transaction.CommitAsync();
    }
}

/// <summary>
/// A state-stored aggregate command over the in-process bus on SQLite (a file in the temp directory, WAL): Conveyor's
/// load-handle-save against a hand-written handler running the same SQL. Both go through the same bus; the difference
/// is what Conveyor adds: identifier resolution, its JSON of private setters, the version check, two pooled connections
/// (the load reads on one, the save writes on another under the write lock) where the hand-written one uses one.
/// </summary>
[MemoryDiagnoser]
public class StateStoredAggregateBenchmarks
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"conveyor-bench-{Guid.NewGuid():N}.db");
    private ServiceProvider _services = null!;
    private ICommandBus _bus = null!;
    private readonly Increment _increment = new("c-1");
    private readonly IncrementByHand _byHand = new("c-2");

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddConveyor(c => c
            .AddHandler<Counter>()
            .AddHandler<HandWrittenCounterHandler>()
            .UseHandlerLifetime(ServiceLifetime.Singleton)
            .UseSqlite($"Data Source={_file}"));
        _services = services.BuildServiceProvider();
        _bus = _services.GetRequiredService<ICommandBus>();
        var database = _services.GetRequiredService<SqliteDatabase>();
        database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        using var connection = database.OpenConnectionAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO conveyor_aggregates (aggregate_type, id, version, state) VALUES ('Counter', 'c-1', 1, '{"counterId":"c-1","value":0}');
            INSERT INTO conveyor_aggregates (aggregate_type, id, version, state) VALUES ('Counter', 'c-2', 1, '{"counterId":"c-2","value":0}');
            """;
        insert.ExecuteNonQuery();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }
    }

    [Benchmark(Baseline = true, Description = "hand-written load-handle-save, same SQL")]
    public ValueTask HandWritten() => _bus.SendAsync(_byHand);

    [Benchmark(Description = "aggregate command (state-stored)")]
    public ValueTask Aggregate() => _bus.SendAsync(_increment);
}
