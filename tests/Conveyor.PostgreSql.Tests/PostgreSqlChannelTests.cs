using System.Collections.Concurrent;
using System.Text;
using Conveyor.Channels;
using Conveyor.Channels.Database;
using Conveyor.Compliance.Channels.Database;
using Conveyor.Failures.DeadLetters;
using Conveyor.PostgreSql.Channels;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL database channel in an application: competing hosts on one schema, a corrupt row, the acknowledgement
/// in the handler's unit of work, and the missing database at start-up.
/// </summary>
public sealed class PostgreSqlChannelTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestSchema _schema = new(database);

    public sealed record Flaky(int Number);

    /// <summary>Fails the first attempt of every even number; the delayed retry succeeds.</summary>
    public sealed class FlakyWorker(Attempts attempts)
    {
        [Asynchronous("flaky")]
        [CommandHandler(EndpointId = "flaky.do")]
        [DelayedRetry(1, InitialDelayMs = 50)]
        public void Handle(Flaky work)
        {
            if (attempts.Add(work.Number) == 1 && work.Number % 2 == 0)
            {
                throw new InvalidOperationException($"first attempt of {work.Number}");
            }

            attempts.Succeeded.Enqueue(work.Number);
        }
    }

    public sealed class Attempts
    {
        private readonly ConcurrentDictionary<int, int> _counts = new();

        public ConcurrentQueue<int> Succeeded { get; } = new();

        public int Add(int number) => _counts.AddOrUpdate(number, 1, (_, n) => n + 1);

        public int Of(int number) => _counts.GetValueOrDefault(number);
    }

    [Fact]
    public async Task CompetingHosts_OnOneSchema_HandleEachMessageOnce()
    {
        const int Messages = 300;
        var all = new ConcurrentQueue<(string Host, int Number)>();
        await using var one = Build(c => c.AddHandler<Worker>().AddPostgreSqlChannel("work", o => o.BatchSize = 5), s => s.AddSingleton(new Handled("one", all)));
        await using var two = Build(c => c.AddHandler<Worker>().AddPostgreSqlChannel("work", o => o.BatchSize = 5), s => s.AddSingleton(new Handled("two", all)));
        var bus = one.GetRequiredService<ICommandBus>();
        for (var i = 0; i < Messages; i++)
        {
            await bus.SendAsync(new Work(i));
        }

        using var stop = new CancellationTokenSource();
        var runs = new[] { one, two }
            .SelectMany(p => Enumerable.Range(0, 2).Select(_ => p.GetRequiredService<IConsumerRunner>().RunAsync("work", cancellationToken: stop.Token)))
            .ToArray();
        try
        {
            await WaitUntilAsync(async () => all.Count >= Messages || runs.Any(r => r.IsCompleted), $"{Messages} messages were handled");
        }
        finally
        {
            await stop.CancelAsync();
        }

        await Task.WhenAll(runs).WaitAsync(Timeout);
        all.Select(x => x.Number).Order().ShouldBe(Enumerable.Range(0, Messages), "each message was handled once");
        (await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_channel_messages;")).ShouldBe(0);
    }

    [Fact]
    public async Task DelayedRetries_InABatchTransaction_CommitWithTheBatch_AndEachMessageSucceedsOnce()
    {
        const int Messages = 6;
        var attempts = new Attempts();
        await using var provider = Build(c => c.AddHandler<FlakyWorker>().AddPostgreSqlChannel("flaky", o => o.PollInterval = TimeSpan.FromMilliseconds(20)), s => s.AddSingleton(attempts));
        await provider.GetRequiredService<ICommandBus>().SendManyAsync(Enumerable.Range(0, Messages).Select(i => new Flaky(i)));

        using var stop = new CancellationTokenSource();
        var run = provider.GetRequiredService<IConsumerRunner>().RunAsync("flaky", cancellationToken: stop.Token);
        try
        {
            await WaitUntilAsync(
                async () => attempts.Succeeded.Count >= Messages && await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_channel_messages;") == 0 || run.IsCompleted,
                "every message succeeded and the table is empty");
        }
        finally
        {
            await stop.CancelAsync();
        }

        await run.WaitAsync(Timeout);
        attempts.Succeeded.Order().ShouldBe(Enumerable.Range(0, Messages), "each message succeeded once");
        Enumerable.Range(0, Messages).Select(attempts.Of).ShouldBe([2, 1, 2, 1, 2, 1], "an even number failed once, and its delayed retry was delivered");
        (await provider.GetRequiredService<IDeadLetterStore>().ListAsync(new DeadLetterQuery(), default)).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task CorruptRow_GoesToTheDeadLetterWithTheReason_AndTheRestFlows()
    {
        var shipped = new Shipped();
        await using var provider = Build(c => c.AddHandler<Shipping>().AddPostgreSqlChannel("shipping"), s => s.AddSingleton(shipped));
        var bus = provider.GetRequiredService<ICommandBus>();
        await bus.SendAsync(new ShipOrder("before"));
        await _schema.ScalarAsync("INSERT INTO conveyor_channel_messages (channel, headers, body, available_at) VALUES ('shipping', '\\x07000000', '\\x7b7d', 0);");
        await bus.SendAsync(new ShipOrder("after"));

        var run = await provider.GetRequiredService<IConsumerRunner>().RunAsync("shipping", new ConsumerRunOptions { StopWhenEmpty = true }).WaitAsync(Timeout);

        run.Finished.ShouldBe(3);
        shipped.Ids.ShouldBe(["before", "after"]);
        var dead = (await provider.GetRequiredService<IDeadLetterStore>().ListAsync(new DeadLetterQuery(), default)).Items.ShouldHaveSingleItem();
        dead.ExceptionMessage.ShouldContain("cannot be read");
        dead.ExceptionMessage.ShouldContain("format 7");
        dead.ChannelName.ShouldBe("shipping");
        Encoding.UTF8.GetString(dead.Message.Body.Span).ShouldBe("{}");
        (await _schema.CountAsync("SELECT COUNT(*) FROM conveyor_channel_messages;")).ShouldBe(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Acknowledgement_InTheHandlersUnitOfWork_CommitsOrRollsBackWithIt(bool commit)
    {
        var opened = _schema.Open();
        var channel = new DatabaseChannel("orders", new PostgreSqlChannelStore(opened), new DatabaseChannelOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        using var services = new ServiceCollection().BuildServiceProvider();
        var headers = new MessageHeaders();
        headers.Set(MessageHeaderNames.MessageId, "m-1");
        await channel.SendAsync(new TransportMessage(headers, "m-1"u8.ToArray()), default);

        // The handler acknowledges in its unit of work, then stops the loop: a stop leaves a message it did not delete
        // for the next consumer, so only the unit of work's delete can make it gone.
        var stopped = await channel.ReceiveAsync(
            async (inbound, ct) =>
            {
                await using var unitOfWork = await opened.BeginUnitOfWorkAsync(services, ct);
                await inbound.AcknowledgeInAsync(unitOfWork, ct);
                if (commit)
                {
                    await unitOfWork.CommitAsync(ct);
                }
                else
                {
                    await unitOfWork.RollbackAsync(ct);
                }

                return Acknowledgement.Stop;
            },
            new ReceiveOptions(),
            default).WaitAsync(Timeout);

        stopped.StoppedOn.ShouldBe("m-1");
        (await channel.GetLagAsync(default)).ShouldBe(commit ? 0 : 1);
    }

    [Fact]
    public async Task SendsOutsideAHandler_MadeWhileAnInsertIsInFlight_GoInOneStatementPerBatch_InOrder()
    {
        var opened = _schema.Open();
        await opened.MigrateAsync(default);
        var channel = new DatabaseChannel("work", new PostgreSqlChannelStore(opened), new DatabaseChannelOptions { SendBatchSize = 100 });

        // Another transaction holds the table, so the first insert waits while the other sends queue behind it.
        await using var blocker = new Npgsql.NpgsqlConnection(_schema.ConnectionString);
        await blocker.OpenAsync();
        await using var holding = await blocker.BeginTransactionAsync();
        await using (var lockTable = new Npgsql.NpgsqlCommand($"LOCK TABLE \"{_schema.Name}\".conveyor_channel_messages IN EXCLUSIVE MODE;", blocker, holding))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var first = channel.SendAsync(new TransportMessage(new MessageHeaders(), BitConverter.GetBytes(0)), default).AsTask();
        await WaitUntilAsync(
            async () => await _schema.CountAsync($"SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{_schema.Name}' AND c.relname = 'conveyor_channel_messages' AND NOT l.granted;") > 0,
            "the first insert waits for the lock");
        var rest = Enumerable.Range(1, 249).Select(i => channel.SendAsync(new TransportMessage(new MessageHeaders(), BitConverter.GetBytes(i)), default).AsTask()).ToArray();
        await holding.CommitAsync();
        await Task.WhenAll(rest.Append(first)).WaitAsync(Timeout);

        // Rows one statement inserted share its transaction id: the lone first send, then the queue in batches of 100.
        var perTransaction = new List<long>();
        var bodies = new List<int>();
        await using (var read = new Npgsql.NpgsqlCommand($"SELECT COUNT(*) FROM \"{_schema.Name}\".conveyor_channel_messages GROUP BY xmin::text ORDER BY MIN(id);", blocker))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                perTransaction.Add(reader.GetInt64(0));
            }
        }

        await using (var read = new Npgsql.NpgsqlCommand($"SELECT body FROM \"{_schema.Name}\".conveyor_channel_messages ORDER BY id;", blocker))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                bodies.Add(BitConverter.ToInt32(reader.GetFieldValue<byte[]>(0)));
            }
        }

        perTransaction.ShouldBe([1, 100, 100, 49]);
        bodies.ShouldBe(Enumerable.Range(0, 250), "rows are in the order they were sent");
    }

    [Fact]
    public async Task PostgreSqlChannel_WithoutUsePostgreSql_FailsAtStartUpSayingWhatToAdd()
    {
        await using var provider = new ServiceCollection()
            .AddConveyor(c => c.AddHandler<Shipping>().AddPostgreSqlChannel("shipping"))
            .AddSingleton(new Shipped())
            .BuildServiceProvider();

        var error = Should.Throw<ConveyorConfigurationException>(() => provider.GetRequiredService<IChannelRegistry>().Names);

        error.Message.ShouldContain("Call UsePostgreSql(");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    private ServiceProvider Build(Action<ConveyorBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection().AddLogging();
        services?.Invoke(collection);
        collection.AddConveyor(c =>
        {
            configure(c);
            c.UsePostgreSql(_schema.ConnectionString, o => o.Schema = _schema.Name);
        });
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"not within {Timeout}: {what}");
            await Task.Delay(20);
        }
    }
}
