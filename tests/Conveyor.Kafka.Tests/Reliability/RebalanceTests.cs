using System.Diagnostics;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>
/// Consumers of one group joining and leaving while a Kafka channel is consumed, at the Conveyor level: two
/// <see cref="IConsumerRunner"/>s on two service providers. Revoked partitions are drained and committed before they
/// move: nothing is lost, each key keeps its order across hand-overs, and the group ends committed at the high
/// watermark (not one short). The embedded cluster refuses offset commits while a group is joining (a real broker
/// accepts them until the group completes its rebalance), so here what was handled since the last accepted commit is
/// redelivered to the partition's next owner; the test reports how much.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class RebalanceTests(KafkaTestCluster cluster, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>
{
    private const int Partitions = 6;
    private const int Keys = 24;
    private const int Progress = 300;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task ConsumersJoinAndLeaveWhileConsuming_NothingLost_KeyOrderKept_GroupCommittedAtTheHighWatermark()
    {
        var clock = Stopwatch.StartNew();
        var topic = await cluster.CreateTopicAsync(Partitions, purpose: "rebalance");
        var group = $"g-{topic}";
        var recorded = new Recorded();
        var logs = new CapturedLogs();
        await using var a = Build("a");
        await using var b = Build("b");
        await using var publisher = new SequencedPublisher(a.GetRequiredService<ICommandBus>(), Keys, () => recorded.Count, maxBacklog: 1_000);

        try
        {
            await ScenarioAsync();
        }
        catch
        {
            foreach (var e in logs.Events)
            {
                output.WriteLine($"{e.At:HH:mm:ss.fff} {e.Level} {e.Category} {e.Message}");
            }

            throw;
        }

        async Task ScenarioAsync()
        {
            var runA = Start(a);
            await ProgressAsync("a", "a consumes alone");

            var runB = Start(b);
            await ProgressAsync("b", "b joined");
            await ProgressAsync("a", "b joined, a still consumes");

            await runA.StopAsync();
            await ProgressAsync("b", "a left");

            runA = Start(a);
            await ProgressAsync("a", "a rejoined");

            await runB.StopAsync();
            await ProgressAsync("a", "b left");

            await publisher.StopAsync(StepTimeout);
            publisher.Failed.ShouldBeEmpty();
            await Waits.UntilAsync(
                () => publisher.Acknowledged.Keys.All(recorded.HandledCountById.ContainsKey),
                "every acknowledged message is handled",
                StepTimeout,
                state: () => $"{publisher.Acknowledged.Keys.Count(id => !recorded.HandledCountById.ContainsKey(id))} of {publisher.Acknowledged.Count} not handled");
            var lag = a.GetRequiredService<IKafkaLag>();
            await Waits.UntilLagIsZeroAsync(lag, SequencedHandler.Channel, StepTimeout);
            await runA.StopAsync();

            var partitions = (await lag.GetLagAsync(SequencedHandler.Channel)).Where(p => p.Topic == topic).ToList();
            var byConsumer = recorded.Handled.GroupBy(h => h.Consumer).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine(
                $"{clock.Elapsed.TotalSeconds,5:0.0}s {publisher.Acknowledged.Count} published, {recorded.Count} handled ({string.Join(", ", byConsumer.Select(e => $"{e.Key}: {e.Value}"))}), "
                + $"{recorded.HandledCountById.Count(e => e.Value > 1)} redelivered after {logs.Events.Count(e => e.Event.Id == 3106)} offset commits were refused during rebalances; "
                + $"committed/high watermark: {string.Join(", ", partitions.Select(p => $"[{p.Partition}] {p.Committed}/{p.HighWatermark}"))}");

            recorded.HandledCountById.Keys.ToHashSet().SetEquals(publisher.Acknowledged.Keys).ShouldBeTrue("exactly the published messages are handled");
            partitions.Count.ShouldBe(Partitions);
            partitions.ShouldAllBe(p => p.Committed == p.HighWatermark, "the drained group is committed at the high watermark, not one short");
            partitions.Sum(p => p.HighWatermark).ShouldBe(publisher.Acknowledged.Count);
            foreach (var key in recorded.Handled.GroupBy(h => h.Message.Key))
            {
                // A redelivery replays a key's records from the last commit; first deliveries keep the published order.
                var firstDeliveries = key.Select(h => h.Message.Sequence).Distinct().ToList();
                firstDeliveries.ShouldBe(firstDeliveries.Order().ToList(), $"{key.Key} must be handled in order across the hand-overs");
            }
        }

        ServiceProvider Build(string name) => ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<SequencedHandler>().AddKafkaChannel(SequencedHandler.Channel, topic, group),
            s => s.AddSingleton(recorded).AddSingleton(new ConsumerName(name)).AddSingleton(new HandlingTime(TimeSpan.FromMilliseconds(1))).AddLogging(l => l.SetMinimumLevel(LogLevel.Debug).AddProvider(logs.For(name))));

        Run Start(ServiceProvider services)
        {
            var stop = new CancellationTokenSource();
            var name = services.GetRequiredService<ConsumerName>().Name;
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s {name} starts");
            return new Run(name, services.GetRequiredService<IConsumerRunner>().RunAsync(SequencedHandler.Channel, cancellationToken: stop.Token), stop, output);
        }

        async Task ProgressAsync(string consumer, string what)
        {
            var from = recorded.Handled.Count(h => h.Consumer == consumer);
            await Waits.UntilAsync(
                () => recorded.Handled.Count(h => h.Consumer == consumer) >= from + Progress,
                $"{consumer} handles {Progress} more messages after {what}",
                StepTimeout,
                TimeSpan.FromMilliseconds(50),
                () => $"{consumer} handled {recorded.Handled.Count(h => h.Consumer == consumer) - from}; {publisher.Acknowledged.Count} published, {recorded.Count} handled");
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s {what}: {consumer} progressed; {publisher.Acknowledged.Count} published, {recorded.Count} handled");
        }
    }

    private sealed record Run(string Name, Task<ConsumerRunResult> Task, CancellationTokenSource Stop, ITestOutputHelper Output)
    {
        public async Task StopAsync()
        {
            await Stop.CancelAsync();
            var result = await Task.WaitAsync(StepTimeout);
            Output.WriteLine($"{Name} stopped: {result.StopReason} after {result.Finished} messages");
            Stop.Dispose();
        }
    }
}
