using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;
using Wolverine.Postgresql;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>One measured round of one side: from the first send to the last message handled.</summary>
public sealed record DatabaseChannelRun(int Round, string Side, int Messages, TimeSpan Elapsed, TimeSpan SendsDone, Cpu Cpu)
{
    public double PerSecond => Messages / Elapsed.TotalSeconds;
}

/// <summary>
/// The CPU time a run took: the benchmark process's (both sides' .NET code, senders and consumers) and the PostgreSQL
/// server's (null when not readable).
/// </summary>
public sealed record Cpu(TimeSpan Process, TimeSpan? Server)
{
    /// <summary>CPU milliseconds per message, process and server together (null without the server's).</summary>
    public double? MillisecondsPerMessage(int messages) => Server is { } server ? (Process + server).TotalMilliseconds / messages : null;
}

/// <summary>What the profiled round of Conveyor's side sent to the server, per message.</summary>
public sealed record DatabaseChannelProfile(int Messages, IReadOnlyList<StatementCount> Statements, long Transactions, TimeSpan Elapsed, TimeSpan SendsDone);

/// <summary>
/// A PostgreSQL-backed queue end to end, Conveyor's database channel against WolverineFx.Postgresql's queue transport,
/// on the same server: N commands sent by as many concurrent senders as there are consumers (each send its own
/// committed insert, as from outside a handler), while that many competing consumers take, handle (a handler that
/// counts) and acknowledge them. A fresh schema per run; the sides alternate within each round.
/// </summary>
internal sealed class DatabaseChannelScenario(BenchmarkOptions options)
{
    public const string ConveyorSide = "conveyor";
    public const string WolverineSide = "wolverine";

    public const string Channel = "work";

    public async Task<(List<DatabaseChannelRun> Runs, DatabaseChannelProfile Profile)> RunAsync()
    {
        var runs = new List<DatabaseChannelRun>();

        // Round 0 warms up and is not reported; the sides alternate which goes first.
        for (var round = 0; round <= options.Rounds; round++)
        {
            string[] sides = round % 2 == 0 ? [ConveyorSide, WolverineSide] : [WolverineSide, ConveyorSide];
            foreach (var side in sides)
            {
                var (elapsed, sendsDone, cpu) = side == ConveyorSide ? await RunConveyorAsync() : await RunWolverineAsync();
                Console.WriteLine($"  round {round} {side,-9}: {options.ChannelMessages / elapsed.TotalSeconds,10:N0} msg/s ({elapsed.TotalMilliseconds:N0} ms, sends done at {sendsDone.TotalMilliseconds:N0} ms, CPU {cpu.MillisecondsPerMessage(options.ChannelMessages):0.000} ms/msg){(round == 0 ? " (warm-up)" : "")}");
                if (round > 0)
                {
                    runs.Add(new DatabaseChannelRun(round, side, options.ChannelMessages, elapsed, sendsDone, cpu));
                }
            }
        }

        // Profiled apart, after the measured rounds: listening to every command costs time of its own.
        using var profile = new StatementProfile();
        var before = await TransactionsAsync();
        var (profiled, profiledSends, _) = await RunConveyorAsync();
        var transactions = await TransactionsAsync() - before;
        return (runs, new DatabaseChannelProfile(options.ChannelMessages, profile.Statements, transactions, profiled, profiledSends));
    }

    private async Task<(TimeSpan Elapsed, TimeSpan SendsDone, Cpu Cpu)> RunConveyorAsync()
    {
        var schema = $"bench_channel_{Guid.NewGuid():N}";
        var counter = new DbChannelCounter(options.ChannelMessages);
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        collection.AddSingleton(counter);
        collection.AddConveyor(c => c
            .AddHandler<DbChannelWorker>()
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
            var measured = await SendAndWaitAsync(
                counter,
                batch => batch.Length == 1
                    ? commands.SendAsync(new DbChannelWork(batch[0]))
                    : commands.SendManyAsync(batch.Select(i => new DbChannelWork(i))),
                () => AcknowledgedAsync(schema));
            await stop.CancelAsync();
            await Task.WhenAll(consumers);
            return measured;
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(options.RequirePostgreSql(), schema);
        }
    }

    /// <summary>
    /// WolverineFx.Postgresql's queue transport as its guide sets it up: <c>UsePostgresqlPersistenceAndTransport</c>
    /// with queue notifications (LISTEN/NOTIFY wake-ups), messages published straight to a PostgreSQL queue, and one
    /// listener on it handling up to <see cref="BenchmarkOptions.ChannelConsumers"/> messages at once, each in the
    /// durable inbox (a message leaves the queue for the inbox table in the same transaction, and is marked handled
    /// after the handler ran).
    /// </summary>
    private async Task<(TimeSpan Elapsed, TimeSpan SendsDone, Cpu Cpu)> RunWolverineAsync()
    {
        var schema = $"bench_wolverine_{Guid.NewGuid():N}";
        var counter = new DbChannelCounter(options.ChannelMessages);
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(b => b.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true))
            .UseWolverine(opts =>
            {
                opts.UsePostgresqlPersistenceAndTransport(options.RequirePostgreSql(), schema, schema + "_queues")
                    .AutoProvision()
                    .EnableQueueNotifications();
                opts.Discovery.DisableConventionalDiscovery().IncludeType<WolverineDbChannelWorker>();
                opts.Policies.DisableConventionalLocalRouting();
                opts.PublishMessage<WolverineWork>().ToPostgresqlQueue(Channel);
                opts.ListenToPostgresqlQueue(Channel)
                    .UseDurableInbox()
                    .MaximumParallelMessages(options.ChannelConsumers)
                    .PollingInterval(TimeSpan.FromMilliseconds(20));
                opts.Services.AddSingleton(counter);
            })
            .Build();
        try
        {
            await host.StartAsync();
            var bus = host.Services.GetRequiredService<IMessageBus>();
            var measured = await SendAndWaitAsync(counter, async batch =>
            {
                if (batch.Length == 1)
                {
                    await bus.SendAsync(new WolverineWork(batch[0]));
                    return;
                }

                await Task.WhenAll(batch.Select(i => bus.SendAsync(new WolverineWork(i)).AsTask()));
            });
            await host.StopAsync();
            return measured;
        }
        finally
        {
            host.Dispose();
            await PostgreSqlSchemas.DropAsync(options.RequirePostgreSql(), schema);
            await PostgreSqlSchemas.DropAsync(options.RequirePostgreSql(), schema + "_queues");
        }
    }

    /// <summary>Timed: every send committed and every message handled and acknowledged.</summary>
    /// <summary>Each sender sends its share (every <c>ChannelConsumers</c>-th number) in chunks of <c>ChannelSendBatch</c>.</summary>
    /// <remarks>
    /// With <paramref name="acknowledged"/>, the clock runs on after the last message was handled until it completes:
    /// Conveyor's batch transaction commits the handled messages' acknowledgements after them, and the run counts once
    /// they are committed.
    /// </remarks>
    private async Task<(TimeSpan Elapsed, TimeSpan SendsDone, Cpu Cpu)> SendAndWaitAsync(DbChannelCounter counter, Func<int[], ValueTask> send, Func<Task>? acknowledged = null)
    {
        var process = Process.GetCurrentProcess();
        var processBefore = process.TotalProcessorTime;
        var serverBefore = ServerCpu.Of(options.RequirePostgreSql());
        var clock = Stopwatch.StartNew();
        var senders = Enumerable.Range(0, options.ChannelConsumers).Select(s => Task.Run(async () =>
        {
            var mine = Enumerable.Range(0, options.ChannelMessages).Where(i => i % options.ChannelConsumers == s).ToArray();
            foreach (var batch in mine.Chunk(options.ChannelSendBatch))
            {
                await send(batch);
            }
        }));
        await Task.WhenAll(senders);
        var sendsDone = clock.Elapsed;
        await counter.AllHandled.WaitAsync(TimeSpan.FromMinutes(5));
        if (acknowledged is not null)
        {
            await acknowledged().WaitAsync(TimeSpan.FromMinutes(5));
        }

        var elapsed = clock.Elapsed;
        process.Refresh();
        var cpu = new Cpu(process.TotalProcessorTime - processBefore, ServerCpu.Of(options.RequirePostgreSql()) - serverBefore);
        return (elapsed, sendsDone, cpu);
    }

    /// <summary>Completes once the channel's table is empty: every handled message's acknowledgement committed.</summary>
    private async Task AcknowledgedAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(options.RequirePostgreSql());
        await connection.OpenAsync();
        await using var any = new NpgsqlCommand($"SELECT EXISTS (SELECT FROM \"{schema}\".conveyor_channel_messages);", connection);
        while ((bool)(await any.ExecuteScalarAsync())!)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2));
        }
    }

    private async Task<long> TransactionsAsync()
    {
        await using var connection = new NpgsqlConnection(options.RequirePostgreSql());
        await connection.OpenAsync();

        // The statistics a backend reports are cached for its transaction: clear them to read the latest.
        await using var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT pg_stat_force_next_flush();", connection);
        await clear.ExecuteNonQueryAsync();
        await using var count = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database();", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

/// <summary>The command of Conveyor's side.</summary>
public sealed record DbChannelWork(int Number);

/// <summary>The command of Wolverine's side.</summary>
public sealed record WolverineWork(int Number);

/// <summary>Counts handled messages; completes once every one was.</summary>
public sealed class DbChannelCounter(int expected)
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

/// <summary>Conveyor's handler.</summary>
public sealed class DbChannelWorker(DbChannelCounter counter)
{
    [Asynchronous(DatabaseChannelScenario.Channel)]
    [CommandHandler(EndpointId = "bench.work")]
    public void Handle(DbChannelWork work) => counter.Add();
}

/// <summary>Wolverine's handler.</summary>
public sealed class WolverineDbChannelWorker(DbChannelCounter counter)
{
    public void Handle(WolverineWork work) => counter.Add();
}
