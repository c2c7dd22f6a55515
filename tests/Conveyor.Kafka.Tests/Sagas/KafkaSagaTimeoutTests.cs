using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Scheduling;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Conveyor.Kafka.Tests.Sagas;

/// <summary>
/// A saga timeout on a Kafka channel whose retry topic holds less than the delay: the timeout waits in the durable
/// SQLite scheduler, so a host stopped before it is due loses nothing, and the next host fires it once on the saved saga.
/// </summary>
public sealed class KafkaSagaTimeoutTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>, IDisposable
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(3);
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"conveyor-saga-kafka-{Guid.NewGuid():N}.db");

    public sealed record QuoteRequested(string QuoteId);

    public sealed record QuoteExpiryDue(string QuoteId);

    public sealed record QuoteExpired(string QuoteId);

    [Saga]
    public sealed class Quote : Saga
    {
        public const string Timeouts = "quote.timeouts";

        [Identifier]
        public string QuoteId { get; private set; } = "";

        [EventHandler(EndpointId = "quote.requested")]
        public static Quote Start(QuoteRequested requested)
        {
            var quote = new Quote { QuoteId = requested.QuoteId };
            quote.RecordThat(new QuoteExpiryDue(requested.QuoteId));
            return quote;
        }

        [EventHandler(EndpointId = "quote.expiry")]
        [Asynchronous(Timeouts)]
        [Delayed(3000)]
        public void Expire(QuoteExpiryDue due)
        {
            RecordThat(new QuoteExpired(QuoteId));
            Complete();
        }
    }

    public sealed class ExpirySignal
    {
        public ConcurrentQueue<(QuoteExpired Expired, DateTimeOffset At)> Fired { get; } = new();

        [EventHandler]
        public void On(QuoteExpired expired) => Fired.Enqueue((expired, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task TimeoutLongerThanTheRetryTopicHolds_WaitsInTheSqliteScheduler_AndFiresOnceAfterARestart()
    {
        var topic = await cluster.CreateTopicAsync(1);

        var before = new ExpirySignal();

        // The first host's clock stands still: the timeout cannot fall due on it, however long its start and stop take
        // on a loaded machine (on the real clock, taking longer than the 3 s delay failed the test). It is due Delay
        // after the send on the second host's real clock.
        var firstClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sent = firstClock.GetUtcNow();
        using (var first = Build(topic, before, firstClock))
        {
            await first.StartAsync();
            await first.Services.GetRequiredService<IEventBus>().PublishAsync(new QuoteRequested("q-1"));
            (await first.Services.GetRequiredService<IMessageScheduler>().CountPendingAsync(CancellationToken.None))
                .ShouldBe(1, "a delay longer than the Kafka channel's MaxRetryTopicDelay waits in the durable scheduler");
            await first.StopAsync();
        }

        before.Fired.ShouldBeEmpty("the timeout did not fire before the restart");
        Scalar("SELECT COUNT(*) FROM conveyor_scheduled;").ShouldBe(1, "the timeout waits in the SQLite file across the restart");
        State("q-1").ShouldNotBeNull().ShouldContain("\"isCompleted\":false", Case.Sensitive, "the saga was saved before the restart");

        var after = new ExpirySignal();
        using var second = Build(topic, after);
        await second.StartAsync();
        try
        {
            await Eventually.Until(() => !after.Fired.IsEmpty, "the timeout fired on the second host", TimeSpan.FromSeconds(60));
            var (expired, at) = after.Fired.Single();
            expired.ShouldBe(new QuoteExpired("q-1"));
            (at - sent).ShouldBeGreaterThanOrEqualTo(Delay - TimeSpan.FromMilliseconds(50), "the timeout waited its delay");

            // The signal runs inside the timeout's unit of work: the completed state commits once it returned.
            await Eventually.Until(
                () => (State("q-1") ?? "").Contains("\"isCompleted\":true", StringComparison.Ordinal),
                "the completed saga was saved");
            await Eventually.Until(() => Scalar("SELECT COUNT(*) FROM conveyor_scheduled;") == 0, "the scheduler row was removed once delivered");
        }
        finally
        {
            await second.StopAsync();
        }

        after.Fired.Count.ShouldBe(1, "the timeout fired exactly once");
        before.Fired.ShouldBeEmpty();
        Scalar("SELECT COUNT(*) FROM conveyor_dead_letters;").ShouldBe(0);
    }

    private IHost Build(string topic, ExpirySignal signal, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        if (cluster.Embedded is { } embedded)
        {
            builder.Services.AddSingleton(embedded).AddSingleton<IKafkaTopicCreator>(embedded);
        }

        builder.Services.AddSingleton(signal);
        builder.Services.AddConveyor(c => c
            .UseKafka(o =>
            {
                o.BootstrapServers = cluster.BootstrapServers;
                o.CreateMissingTopics = true;
                o.Consuming.CommitInterval = TimeSpan.FromMilliseconds(100);
                foreach (var (key, value) in cluster.ConsumerConfig("unused"))
                {
                    if (key is "session.timeout.ms" or "heartbeat.interval.ms")
                    {
                        o.Consumer[key] = value;
                    }
                }
            })
            .AddHandler<Quote>()
            .AddHandler<ExpirySignal>()
            .UseSqlite($"Data Source={_database}")
            .AddKafkaChannel(Quote.Timeouts, topic, $"g-{topic}", o => o.MaxRetryTopicDelay = TimeSpan.FromSeconds(1)));
        return builder.Build();
    }

    private string? State(string id)
    {
        using var connection = new SqliteConnection($"Data Source={_database}");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT state FROM conveyor_aggregates WHERE aggregate_type = $type AND id = $id;";
        select.Parameters.AddWithValue("$type", nameof(Quote));
        select.Parameters.AddWithValue("$id", id);
        return select.ExecuteScalar() as string;
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }
}
