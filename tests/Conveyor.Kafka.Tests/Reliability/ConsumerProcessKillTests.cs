using System.Diagnostics;
using System.Globalization;
using Conveyor.Kafka.ConsumerApp;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>
/// Consumer processes SIGKILLed mid-stream and restarted while tens of thousands of messages flow through a Kafka
/// channel: at-least-once delivery plus deduplication in the effect's database transaction applies every effect
/// exactly once.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ConsumerProcessKillTests(KafkaTestCluster cluster, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>, IDisposable
{
    private const int Messages = 24_000;
    private const int Partitions = 16;
    private const int Keys = 1_000;
    private const int Kills = 5;
    private const int PublishWindow = 250;
    private const int MaxBacklog = 4_000;
    private const int MinimumWorkBeforeKill = 300;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("conveyor-kill-").FullName;

    /// <summary>The publisher's side of the work endpoint: it only sends; the consumer app handles.</summary>
    public sealed class WorkSender
    {
        [Asynchronous(WorkContract.Channel)]
        [CommandHandler(EndpointId = WorkContract.EndpointId)]
        public void Apply(DoWork work) => throw new InvalidOperationException($"Only Conveyor.Kafka.ConsumerApp handles {work}.");
    }

    [Fact]
    public async Task SigkillConsumersMidStream_EveryMessageHandled_EffectAppliedOncePerMessage()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CONVEYOR_RELIABILITY_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 581_3161;
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();

        var topic = await cluster.CreateTopicAsync(Partitions, purpose: "sigkill");
        var group = $"g-{topic}";
        // The consumer processes have no EmbeddedKafkaCluster to create topics with, and the embedded cluster does
        // not serve CreateTopics: the channel's retry and dead-letter topics are created here.
        cluster.Embedded?.CreateTopic($"{topic}.{group}.retry", Partitions);
        cluster.Embedded?.CreateTopic($"{topic}.dead-letter", Partitions);
        var database = new WorkDatabaseReader(Path.Combine(_directory, "work.db"));

        await using var publisher = ConveyorOnKafka.Build(cluster, c => c.AddHandler<WorkSender>().AddKafkaChannel(WorkContract.Channel, topic, group));
        var bus = publisher.GetRequiredService<ICommandBus>();

        var consumers = new List<ConsumerAppProcess>();
        var started = 0;
        var published = 0;
        try
        {
            consumers.Add(await StartConsumerAsync());
            var publishing = Task.Run(PublishAllAsync);

            // Kill points: seeded effect counts, all before the stream ends. The victim is drawn (seeded) among the
            // consumers that have handled a fair amount, so that it dies mid-stream with handled but uncommitted
            // records, not while it joins the group; a consumer that joined late and never got work is not one.
            var killAt = Enumerable.Range(0, Kills).Select(_ => random.Next(Messages * 8 / 100, Messages * 80 / 100)).Order().ToArray();
            for (var kill = 0; kill < Kills; kill++)
            {
                var threshold = killAt[kill];
                await Waits.UntilAsync(
                    () => publishing.IsFaulted || (database.Effects() >= threshold && Eligible().Count > 0),
                    $"kill {kill + 1}: {threshold} effects and a consumer with {MinimumWorkBeforeKill} calls",
                    StepTimeout,
                    state: () => $"{database.Effects()} effects, calls by {string.Join(", ", consumers.Select(c => $"{c.Name} {database.InvocationsBy(c.Id)}"))}, {Volatile.Read(ref published)} published; {Diagnostics()}");
                if (publishing.IsFaulted)
                {
                    await publishing;
                }

                var eligible = Eligible();
                var victim = eligible[random.Next(eligible.Count)];

                await victim.KillAsync();
                victim.ExitCode.ShouldBe(137, $"{victim.Name} should have died of SIGKILL");
                output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s kill {kill + 1}: SIGKILL {victim.Name} (pid {victim.Id}) at {database.Effects()} effects, {Volatile.Read(ref published)} published");
                consumers.Remove(victim);
                await victim.DisposeAsync();

                if (kill < Kills - 1)
                {
                    consumers.Add(await StartConsumerAsync());
                }

                if (kill == 0)
                {
                    // From here two processes share the group: kills and restarts also rebalance partitions between them.
                    consumers.Add(await StartConsumerAsync());
                }
            }

            await publishing.WaitAsync(StepTimeout);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s published {published} messages; draining with {consumers.Count} consumer");
            await Waits.UntilAsync(() => database.DistinctEffects() >= Messages, $"all {Messages} messages have an effect", StepTimeout, TimeSpan.FromMilliseconds(100), () => $"{database.DistinctEffects()} distinct effects; {Diagnostics()}");
            await Waits.UntilLagIsZeroAsync(publisher.GetRequiredService<IKafkaLag>(), WorkContract.Channel, StepTimeout);

            foreach (var consumer in consumers)
            {
                (await consumer.StopAsync(StepTimeout)).ShouldBe(0, $"{consumer.Name} should stop cleanly on stdin EOF; stderr: {consumer.StandardError}");
            }

            var effects = database.Effects();
            var invocations = database.Invocations();
            var skippedByStore = database.Duplicates("store");
            var caughtInTransaction = database.Duplicates("transaction");
            var deliveries = invocations + skippedByStore;
            output.WriteLine(
                $"{clock.Elapsed.TotalSeconds,5:0.0}s done (seed {seed}): {Messages} messages, {Partitions} partitions, {Kills} SIGKILLs, {started} consumer processes started; "
                + $"{deliveries} deliveries = {deliveries - Messages} redeliveries: {skippedByStore} skipped by the deduplication store, "
                + $"{caughtInTransaction} caught inside the effect transaction, {invocations - Messages - caughtInTransaction} handler calls killed before their transaction committed; {effects} effect rows");

            database.MessagesAppliedTwice().ShouldBeEmpty("no message's effect may be applied twice");
            database.EffectMessageIds().SetEquals(Enumerable.Range(0, Messages).Select(MessageId)).ShouldBeTrue("every published message must have exactly its effect");
            effects.ShouldBe(Messages);
            (deliveries - Messages).ShouldBeGreaterThan(0, "SIGKILL after handling and before the offset commit must cause redeliveries; none means the test did not exercise deduplication");
        }
        finally
        {
            foreach (var consumer in consumers)
            {
                output.WriteLine($"{consumer.Name} stderr:{Environment.NewLine}{consumer.StandardError}");
                await consumer.DisposeAsync();
            }
        }

        List<ConsumerAppProcess> Eligible() => [.. consumers.Where(c => database.InvocationsBy(c.Id) >= MinimumWorkBeforeKill)];

        async Task PublishAllAsync()
        {
            for (var first = 0; first < Messages; first += PublishWindow)
            {
                var window = first;
                await Waits.UntilAsync(
                    () => window - database.Effects() <= MaxBacklog,
                    $"the consumers are less than {MaxBacklog} messages behind the publisher",
                    StepTimeout,
                    TimeSpan.FromMilliseconds(50),
                    () => $"{database.Effects()} effects, {window} published");
                await Task.WhenAll(Enumerable.Range(window, Math.Min(PublishWindow, Messages - window)).Select(i => bus.SendAsync(
                    new DoWork(Key(i), i),
                    new Dictionary<string, string> { [MessageHeaderNames.MessageId] = MessageId(i), [MessageHeaderNames.PartitionKey] = Key(i) }).AsTask()));
                Interlocked.Add(ref published, Math.Min(PublishWindow, Messages - window));
            }
        }

        async Task<ConsumerAppProcess> StartConsumerAsync()
        {
            var name = $"consumer-{++started}";
            List<string> arguments =
            [
                "--bootstrap-servers", cluster.BootstrapServers,
                "--topic", topic,
                "--group", group,
                "--db", database.Path,
                "--stop-on-stdin-eof",
            ];
            // A killed member's partitions move once its session times out: keep that short. The embedded cluster
            // takes the fixture's 2 s; a real broker refuses less than group.min.session.timeout.ms (6 s by default).
            var session = cluster.Embedded is null
                ? new Dictionary<string, string> { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "2000" }
                : cluster.ConsumerConfig(group).Where(e => e.Key is "session.timeout.ms" or "heartbeat.interval.ms").ToDictionary();
            foreach (var (key, value) in session)
            {
                arguments.AddRange(["--consumer-property", $"{key}={value}"]);
            }

            var consumer = await ConsumerAppProcess.StartAsync(name, arguments);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s started {name} (pid {consumer.Id})");
            return consumer;
        }

        string Diagnostics() => string.Join("; ", consumers.Select(c => $"{c.Name}{(c.HasExited ? " exited" : "")}: {Tail(c.StandardError)}"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string MessageId(int i) => $"m-{i:D6}";

    private static string Key(int i) => $"k-{i % Keys:D4}";

    private static string Tail(string text) => text.Length <= 300 ? text : text[^300..];
}
