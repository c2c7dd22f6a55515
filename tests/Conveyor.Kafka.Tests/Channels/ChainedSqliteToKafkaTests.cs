using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary><c>[Asynchronous("outbox", "notifications")]</c> from a SQLite database channel on to a Kafka topic.</summary>
public sealed class ChainedSqliteToKafkaTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>, IDisposable
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"conveyor-chain-{Guid.NewGuid():N}.db");

    public sealed record Notify(string Id);

    public sealed class Notified
    {
        public ConcurrentQueue<(string Id, string? Topic)> Calls { get; } = new();
    }

    public sealed class Notifications(Notified notified)
    {
        [Asynchronous("outbox", "notifications")]
        [CommandHandler(EndpointId = "notify")]
        public void Handle(Notify command, [Header("kafka_topic")] string topic) => notified.Calls.Enqueue((command.Id, topic));
    }

    [Fact]
    public async Task Chain_FromASqliteChannel_ForwardsToKafka_AndTheHandlerRunsFromTheTopic()
    {
        var notified = new Notified();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Notifications>()
                .UseSqlite($"Data Source={_database}")
                .AddSqliteChannel("outbox")
                .AddKafkaChannel("notifications", topic, $"g-{topic}"),
            s => s.AddSingleton(notified));
        var bus = services.GetRequiredService<ICommandBus>();

        await bus.SendAsync(new Notify("n-1"));
        await bus.SendAsync(new Notify("n-2"));
        var outbox = await services.RunUntilEmpty("outbox");

        outbox.Finished.ShouldBe(2);
        notified.Calls.ShouldBeEmpty("received from the SQLite channel, the message is forwarded, not handled");
        await services.RunUntil("notifications", () => notified.Calls.Count == 2);

        notified.Calls.ShouldBe([("n-1", topic), ("n-2", topic)]);
    }

    public void Dispose()
    {
        using (var connection = new SqliteConnection($"Data Source={_database}"))
        {
            SqliteConnection.ClearPool(connection);
        }

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }
}
