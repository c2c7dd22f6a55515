using System.Reflection;
using Conveyor.Kafka.Tests.Channels;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Reliability;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Orchestration;

/// <summary>
/// A process SIGKILLed while an asynchronous step of a flow runs, then started again: the flow resumes at that step
/// (its record was not committed) and completes; the steps before it, whose records were committed, do not run again.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class OrchestratorProcessKillTests(KafkaTestCluster cluster, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>, IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("conveyor-orchestrator-kill-").FullName;

    private static string AppPath { get; } = typeof(OrchestratorProcessKillTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "OrchestratorAppPath").Value
        ?? throw new InvalidOperationException("The test assembly does not record where Conveyor.Kafka.OrchestratorApp.dll was built.");

    [Fact]
    public async Task SigkillWhileAnAsynchronousStepRuns_Restarted_FlowResumesAtThatStepAndEarlierStepsDoNotRunAgain()
    {
        var matchTopic = await cluster.CreateTopicAsync(1, purpose: "lead-match");
        var notifyTopic = await cluster.CreateTopicAsync(1, purpose: "lead-notify");
        var group = $"g-{matchTopic}";
        // The app has no EmbeddedKafkaCluster to create topics with: each channel's retry and dead-letter topics here.
        foreach (var topic in new[] { matchTopic, notifyTopic })
        {
            cluster.Embedded?.CreateTopic($"{topic}.{group}.retry", 1);
            cluster.Embedded?.CreateTopic($"{topic}.dead-letter", 1);
        }

        var journal = Path.Combine(_directory, "journal.txt");
        File.WriteAllText(journal, "");

        await using var first = await StartAsync("first", "--start", "o-1", "--hang-at", "lead.notify");
        await Waits.UntilAsync(() => Lines(journal).Any(l => l.StartsWith("started lead.notify o-1", StringComparison.Ordinal)), "the notify step started", StepTimeout, state: () => Journal(journal));
        // The match step's record is committed (a commit every 100 ms): it is behind the flow, not in front of it.
        await Waits.UntilAsync(() => KafkaConsumerAttributeTests.Committed(cluster, group, matchTopic, 1) == 1, "the match step's record was committed", StepTimeout, state: () => Journal(journal));
        await first.KillAsync();
        output.WriteLine($"killed pid {first.Id} during lead.notify");
        Lines(journal).ShouldNotContain(l => l.StartsWith("lead.notify ", StringComparison.Ordinal), "the step was killed before it returned");

        await using var second = await StartAsync("second");
        await Waits.UntilAsync(() => Lines(journal).Any(l => l.StartsWith("lead.record o-1", StringComparison.Ordinal)), "the flow reached its last step", StepTimeout, state: () => Journal(journal));
        (await second.StopAsync(StepTimeout)).ShouldBe(0, second.StandardError);

        var lines = Lines(journal);
        output.WriteLine(Journal(journal));
        lines.Count(l => l.StartsWith("lead.validate o-1", StringComparison.Ordinal)).ShouldBe(1, "the in-process first step ran once, before the kill");
        lines.Count(l => l.StartsWith("lead.match o-1", StringComparison.Ordinal)).ShouldBe(1, "the asynchronous step before the killed one is not run again");
        lines.Count(l => l.StartsWith("started lead.notify o-1", StringComparison.Ordinal)).ShouldBe(2, "the killed step runs again: steps must be idempotent");
        lines.Where(l => l.StartsWith("started lead.notify o-1", StringComparison.Ordinal)).Last().ShouldEndWith($"pid={second.Id}");
        lines.Single(l => l.StartsWith("lead.notify o-1", StringComparison.Ordinal)).ShouldEndWith($"pid={second.Id}");
        lines.Single(l => l.StartsWith("lead.record o-1", StringComparison.Ordinal)).ShouldBe($"lead.record o-1 p-7 region=eu pid={second.Id}", "the flow's header survived the crash");

        Task<ConsumerAppProcess> StartAsync(string name, params string[] extra)
        {
            List<string> arguments =
            [
                "--bootstrap-servers", cluster.BootstrapServers,
                "--match-topic", matchTopic,
                "--notify-topic", notifyTopic,
                "--group", group,
                "--journal", journal,
                .. extra,
            ];
            // A killed member's partitions move once its session times out: keep that short (see ConsumerProcessKillTests).
            var session = cluster.Embedded is null
                ? new Dictionary<string, string> { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "2000" }
                : cluster.ConsumerConfig(group).Where(e => e.Key is "session.timeout.ms" or "heartbeat.interval.ms").ToDictionary();
            foreach (var (key, value) in session)
            {
                arguments.AddRange(["--consumer-property", $"{key}={value}"]);
            }

            return ConsumerAppProcess.StartAsync(name, AppPath, arguments);
        }
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

    private static string[] Lines(string journal) => File.ReadAllLines(journal);

    private static string Journal(string journal) => "journal:" + Environment.NewLine + File.ReadAllText(journal);
}
