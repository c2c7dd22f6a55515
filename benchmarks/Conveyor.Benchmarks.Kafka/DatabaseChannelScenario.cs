using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>One measured round of the database channel: from the first send to the last message handled.</summary>
public sealed record DatabaseChannelRun(int Round, int Messages, TimeSpan Elapsed)
{
    public double PerSecond => Messages / Elapsed.TotalSeconds;
}

/// <summary>
/// The PostgreSQL database channel end to end: N commands sent to a channel by as many concurrent senders as there are
/// consumers (each send its own committed insert, as from outside a handler), while that many competing consumers
/// lease (FOR UPDATE SKIP LOCKED), handle (a handler that counts) and acknowledge (delete) them. A fresh schema per round.
/// </summary>
internal sealed class DatabaseChannelScenario(BenchmarkOptions options)
{
    public async Task<List<DatabaseChannelRun>> RunAsync()
    {
        var runs = new List<DatabaseChannelRun>();

        // Round 0 warms up and is not reported.
        for (var round = 0; round <= options.Rounds; round++)
        {
            var elapsed = await RunOnceAsync();
            Console.WriteLine($"  round {round}: {options.ChannelMessages / elapsed.TotalSeconds,10:N0} msg/s ({elapsed.TotalMilliseconds:N0} ms){(round == 0 ? " (warm-up)" : "")}");
            if (round > 0)
            {
                runs.Add(new DatabaseChannelRun(round, options.ChannelMessages, elapsed));
            }
        }

        return runs;
    }

    private async Task<TimeSpan> RunOnceAsync()
    {
        var schema = $"bench_channel_{Guid.NewGuid():N}";
        var counter = new Counter(options.ChannelMessages);
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        collection.AddSingleton(counter);
        collection.AddConveyor(c => c
            .AddHandler<Worker>()
            .UsePostgreSql(options.RequirePostgreSql(), o => o.Schema = schema)
            .AddPostgreSqlChannel(Channel, o =>
            {
                o.BatchSize = 100;
                o.PollInterval = TimeSpan.FromMilliseconds(20);
            }));
        try
        {
            await using var provider = collection.BuildServiceProvider();
            await provider.GetRequiredService<PostgreSql.PostgreSqlDatabase>().MigrateAsync(default);
            var runner = provider.GetRequiredService<IConsumerRunner>();
            var commands = provider.GetRequiredService<ICommandBus>();
            using var stop = new CancellationTokenSource();
            var consumers = Enumerable.Range(0, options.ChannelConsumers).Select(_ => runner.RunAsync(Channel, cancellationToken: stop.Token)).ToArray();

            // Timed: every send committed and every message handled and acknowledged.
            var clock = Stopwatch.StartNew();
            var senders = Enumerable.Range(0, options.ChannelConsumers).Select(s => Task.Run(async () =>
            {
                for (var i = s; i < options.ChannelMessages; i += options.ChannelConsumers)
                {
                    await commands.SendAsync(new Work(i));
                }
            }));
            await Task.WhenAll(senders);
            await counter.AllHandled.WaitAsync(TimeSpan.FromMinutes(5));
            var elapsed = clock.Elapsed;
            await stop.CancelAsync();
            await Task.WhenAll(consumers);
            return elapsed;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(options.RequirePostgreSql());
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private const string Channel = "work";

    public sealed record Work(int Number);

    /// <summary>Counts handled messages; completes once every one was.</summary>
    public sealed class Counter(int expected)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _handled;

        public Task AllHandled => _all.Task;

        public void Add()
        {
            if (Interlocked.Increment(ref _handled) == expected)
            {
                _all.TrySetResult();
            }
        }
    }

    public sealed class Worker(Counter counter)
    {
        [Asynchronous(Channel)]
        [CommandHandler(EndpointId = "bench.work")]
        public void Handle(Work work) => counter.Add();
    }
}
