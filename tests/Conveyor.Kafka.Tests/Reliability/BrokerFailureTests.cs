using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>
/// Brokers going down, leaders moving and retriable request errors while a Conveyor bus publishes to a Kafka channel
/// and a Conveyor consumer consumes it; and publish failures that must be reported, not swallowed.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BrokerFailureTests(KafkaTestCluster cluster, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = SequencedHandler.Channel;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(45);

    [EmbeddedKafkaFact]
    public async Task LeaderBrokerDown_LeadersMoved_RequestErrors_WhilePublishingAndConsuming_NothingLostAndPerKeyOrderKept()
    {
        const int Keys = 40;
        const int Partitions = 6;
        const int MaxBacklog = 500;
        const int PerKeyProgress = 5;
        var embedded = cluster.RequireEmbedded();
        var clock = Stopwatch.StartNew();
        var topic = await cluster.CreateTopicAsync(Partitions, replicationFactor: 3, purpose: "brokers");
        var group = $"g-{topic}";
        // The first broker to go down leads partition 0 and coordinates the consumer group: commits and heartbeats
        // fail with it until coordination fails over.
        var downed = cluster.GetPartitionLeader(topic, 0);
        embedded.SetGroupCoordinator(group, downed);
        var recorded = new Recorded();
        var deduplication = new CountingDeduplicationStore(TimeProvider.System);
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<SequencedHandler>().AddKafkaChannel(Channel, topic, group).UseDeduplicationStore<CountingDeduplicationStore>(),
            s => s.AddSingleton(recorded).AddSingleton(deduplication).AddSingleton(new ConsumerName("consumer")));
        var bus = services.GetRequiredService<ICommandBus>();

        using var stopConsuming = new CancellationTokenSource();
        var consuming = services.GetRequiredService<IConsumerRunner>().RunAsync(Channel, cancellationToken: stopConsuming.Token);
        await using var publisher = new SequencedPublisher(bus, Keys, () => recorded.Count, MaxBacklog);
        var acknowledged = publisher.Acknowledged;
        var failed = publisher.Failed;

        try
        {
            await ProgressAsync("consuming has started");

            var others = Enumerable.Range(1, embedded.BrokerCount).Where(b => b != downed).ToArray();
            embedded.SetBrokerDown(downed);
            var moved = 0;
            for (var p = 0; p < Partitions; p++)
            {
                if (cluster.GetPartitionLeader(topic, p) == downed)
                {
                    embedded.SetPartitionLeader(topic, p, others[p % others.Length]);
                    moved++;
                }
            }

            // A real cluster also moves group coordination (the __consumer_offsets partition's leadership) away
            // from a dead broker; the embedded one needs to be told.
            var coordinator = others[0];
            embedded.SetGroupCoordinator(group, coordinator);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s broker {downed} (group coordinator) down, {moved} partition leaders and the coordinator failed over");
            await ProgressAsync($"broker {downed} is down and its partitions failed over");

            embedded.SetBrokerUp(downed);
            for (var p = 0; p < Partitions; p++)
            {
                embedded.SetPartitionLeader(topic, p, (p % embedded.BrokerCount) + 1);
            }

            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s broker {downed} up, leaders moved to brokers 1..{embedded.BrokerCount}");
            await ProgressAsync("leaders moved back");

            embedded.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.LeaderNotAvailable, ErrorCode.NotEnoughReplicas, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicasAfterAppend);
            embedded.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.LeaderNotAvailable, ErrorCode.KafkaStorageError);
            embedded.PushRequestErrors(KafkaApiKey.OffsetCommit, ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup, ErrorCode.RequestTimedOut);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s retriable Produce, Fetch and OffsetCommit errors pushed");
            await ProgressAsync("retriable request errors were answered");

            // Leader moved while the old leader is down: the one kind of failover left.
            var second = cluster.GetPartitionLeader(topic, 1);
            var failover = (second % embedded.BrokerCount) + 1;
            embedded.SetBrokerDown(second);
            for (var p = 0; p < Partitions; p++)
            {
                if (cluster.GetPartitionLeader(topic, p) == second)
                {
                    embedded.SetPartitionLeader(topic, p, failover);
                }
            }

            if (coordinator == second)
            {
                embedded.SetGroupCoordinator(group, failover);
            }

            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s broker {second}{(coordinator == second ? " (group coordinator)" : "")} down, its partitions{(coordinator == second ? " and the coordinator" : "")} failed over to broker {failover}");

            await ProgressAsync($"broker {second} is down and its partitions failed over");
            embedded.SetBrokerUp(second);

            await publisher.StopAsync(StepTimeout);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s published: {acknowledged.Count} acknowledged, {failed.Count} reported failed");
            await Waits.UntilAsync(
                () => acknowledged.Keys.All(recorded.HandledCountById.ContainsKey),
                "every acknowledged message is handled",
                StepTimeout,
                TimeSpan.FromMilliseconds(50),
                () => $"{acknowledged.Keys.Count(id => !recorded.HandledCountById.ContainsKey(id))} of {acknowledged.Count} not handled");
            await Waits.UntilLagIsZeroAsync(services.GetRequiredService<IKafkaLag>(), Channel, StepTimeout);
        }
        finally
        {
            await stopConsuming.CancelAsync();
        }

        var result = await consuming.WaitAsync(StepTimeout);
        output.WriteLine(
            $"{clock.Elapsed.TotalSeconds,5:0.0}s done: {acknowledged.Count} acknowledged, {failed.Count} failed sends, {recorded.Count} handled, "
            + $"{deduplication.Duplicates} redeliveries skipped by deduplication; consumer: {result.StopReason}");

        var attempted = acknowledged.Keys.Concat(failed.Keys).ToHashSet(StringComparer.Ordinal);
        recorded.HandledCountById.Keys.Where(id => !attempted.Contains(id)).ShouldBeEmpty("nothing may be handled that was never sent");
        acknowledged.Keys.Where(id => !recorded.HandledCountById.ContainsKey(id)).ShouldBeEmpty("every acknowledged message must be handled");
        recorded.HandledCountById.Where(e => e.Value > 1).Select(e => e.Key).ShouldBeEmpty("redeliveries are deduplicated");
        failed.ShouldBeEmpty("with the default message.timeout.ms every send outlives these faults: " + string.Join("; ", failed.Values.Take(3).Select(e => e.Message)));
        recorded.Handled.Select(h => h.Partition).Distinct().Count().ShouldBe(Partitions, "the keys should cover every partition");
        foreach (var key in recorded.Handled.GroupBy(h => h.Message.Key))
        {
            var sequences = key.Select(h => h.Message.Sequence).ToList();
            sequences.ShouldBe(sequences.Order().ToList(), $"{key.Key} must be handled in the order it was published (partition-sequential)");
            key.Select(h => h.Partition).Distinct().Count().ShouldBe(1, $"{key.Key} must stay on one partition");
        }

        // Progress through a fault: every key (so every partition) gets messages published after the fault, and
        // they are handled.
        async Task ProgressAsync(string what)
        {
            var awaited = Enumerable.Range(0, Keys).Select(k => publisher.IdAhead(k, PerKeyProgress)).ToArray();
            await Waits.UntilAsync(
                () => awaited.All(recorded.HandledCountById.ContainsKey),
                $"every key has {PerKeyProgress} more messages published and handled after {what}",
                StepTimeout,
                state: () => $"{awaited.Count(id => !recorded.HandledCountById.ContainsKey(id))} keys behind; {acknowledged.Count} acknowledged, {recorded.Count} handled, {failed.Count} failed sends");
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:0.0}s progress after {what}: {acknowledged.Count} acknowledged, {recorded.Count} handled");
        }
    }

    [EmbeddedKafkaFact]
    public async Task EveryReplicaOfThePartitionsDown_SendAsyncThrowsKafkaPublishException_AndThoseMessagesAreHandledOnlyWhenResent()
    {
        const int Partitions = 3;
        const int DuringOutage = 20;
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(Partitions, replicationFactor: 1, purpose: "publishfailure");
        var recorded = new Recorded();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<SequencedHandler>().AddKafkaChannel(Channel, topic, $"g-{topic}"),
            s => s.AddSingleton(recorded).AddSingleton(new ConsumerName("consumer")),
            kafka => kafka.Producer["message.timeout.ms"] = "3000");
        var bus = services.GetRequiredService<ICommandBus>();
        var acknowledged = new List<string>();
        var failed = new Dictionary<string, KafkaPublishException>(StringComparer.Ordinal);

        for (var i = 0; i < 10; i++)
        {
            await SendAsync($"before-{i:D2}", i);
        }

        // The embedded cluster never elects a new leader by itself: a partition whose leader is down stays
        // unavailable, as a partition is on a real cluster when every replica of it is down.
        var outage = embedded.BrokerCount;
        for (var p = 0; p < Partitions; p++)
        {
            embedded.SetPartitionLeader(topic, p, outage);
        }

        embedded.SetBrokerDown(outage);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, DuringOutage).Select(i => SendAsync($"during-{i:D2}", i)));
        output.WriteLine($"{DuringOutage} sends during the outage ended after {clock.Elapsed.TotalSeconds:0.0}s: {failed.Count} failed");

        failed.Keys.Order().ShouldBe(Enumerable.Range(0, DuringOutage).Select(i => $"during-{i:D2}"), "every send to a partition without a live leader must fail");
        foreach (var (id, error) in failed)
        {
            error.Message.ShouldContain(id);
            error.Message.ShouldContain(topic);
            error.InnerException.ShouldBeOfType<ProduceException<byte[]?, byte[]?>>().Error.Code.ShouldBe(ErrorCode.Local_MsgTimedOut);
        }

        embedded.SetBrokerUp(outage);
        // A producer reconnects with backoff; the first sends after the outage may still time out. Each attempt is
        // a message of its own, acknowledged or reported failed, and counted as such.
        var probes = 0;
        await Waits.UntilAsync(
            async () => await SendAsync($"probe-{probes++:D2}", 0),
            "a send after the outage is acknowledged",
            StepTimeout,
            TimeSpan.Zero);
        for (var i = 0; i < 10; i++)
        {
            (await SendAsync($"after-{i:D2}", i)).ShouldBeTrue();
        }

        await services.RunUntilEmpty(Channel);
        await Waits.UntilLagIsZeroAsync(services.GetRequiredService<IKafkaLag>(), Channel, StepTimeout);
        var handledBeforeResend = recorded.HandledCountById.Keys.ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"acknowledged {acknowledged.Count}, reported failed {failed.Count} ({probes} probe sends after the outage), handled {handledBeforeResend.Count}");
        handledBeforeResend.SetEquals(acknowledged).ShouldBeTrue(
            $"exactly the acknowledged messages are handled; missing: {string.Join(", ", acknowledged.Except(handledBeforeResend))}; unexpected: {string.Join(", ", handledBeforeResend.Except(acknowledged))}");

        var failedIds = failed.Keys.ToList();
        foreach (var id in failedIds)
        {
            (await SendAsync(id, 0)).ShouldBeTrue($"re-sending {id} once the partition is back");
        }

        await services.RunUntilEmpty(Channel);
        recorded.HandledCountById.Keys.ToHashSet(StringComparer.Ordinal).IsSupersetOf(failedIds).ShouldBeTrue("re-sent messages are handled");
        recorded.HandledCountById.Values.ShouldAllBe(count => count == 1);

        async Task<bool> SendAsync(string id, int sequence)
        {
            try
            {
                await bus.SendAsync(new Sequenced(id, sequence), new Dictionary<string, string> { [MessageHeaderNames.MessageId] = id });
                lock (acknowledged)
                {
                    acknowledged.Add(id);
                    failed.Remove(id);
                }

                return true;
            }
            catch (KafkaPublishException e)
            {
                lock (acknowledged)
                {
                    failed[id] = e;
                }

                return false;
            }
        }
    }
}
