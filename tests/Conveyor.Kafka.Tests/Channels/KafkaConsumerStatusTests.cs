using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>A Kafka channel keeps its assigned partitions in the <see cref="IConsumerStatusRegistry"/> across rebalances.</summary>
public sealed class KafkaConsumerStatusTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Channel = "status";

    public sealed record Noted(string Id);

    public sealed class NotedHandler
    {
        [Asynchronous(Channel)]
        [CommandHandler(EndpointId = "status.noted")]
        public void Handle(Noted message)
        {
        }
    }

    [Fact]
    public async Task Rebalance_SecondMemberJoinsThenStops_PartitionsMoveAndStoppedClearsThem()
    {
        var topic = await cluster.CreateTopicAsync(4, purpose: "status");
        var all = Enumerable.Range(0, 4).Select(p => $"{topic}[{p}]").ToList();
        await using var a = Member(topic);
        await using var b = Member(topic);
        var (statusA, statusB) = (a.GetRequiredService<IConsumerStatusRegistry>(), b.GetRequiredService<IConsumerStatusRegistry>());
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();

        var runA = a.GetRequiredService<IConsumerRunner>().RunAsync(Channel, cancellationToken: stopA.Token);
        await Eventually.Until(() => Partitions(statusA).Count == all.Count, "a is assigned every partition");
        statusA.Find(Channel)!.State.ShouldBe(ConsumerState.Running);
        Partitions(statusA).ShouldBe(all, ignoreOrder: true);

        var runB = b.GetRequiredService<IConsumerRunner>().RunAsync(Channel, cancellationToken: stopB.Token);
        await Eventually.Until(
            () => Partitions(statusB).Count > 0 && Partitions(statusA).Count > 0 && Partitions(statusA).Count + Partitions(statusB).Count == all.Count,
            "the group rebalanced the partitions over a and b");
        Partitions(statusA).Concat(Partitions(statusB)).ShouldBe(all, ignoreOrder: true);

        await stopB.CancelAsync();
        await runB.WaitAsync(Eventually.DefaultTimeout);
        statusB.Find(Channel)!.State.ShouldBe(ConsumerState.Stopped);
        Partitions(statusB).ShouldBeEmpty();
        await Eventually.Until(() => Partitions(statusA).Count == all.Count, "a is assigned every partition again");

        await stopA.CancelAsync();
        await runA.WaitAsync(Eventually.DefaultTimeout);
        statusA.Find(Channel)!.State.ShouldBe(ConsumerState.Stopped);
        Partitions(statusA).ShouldBeEmpty();
    }

    private static IReadOnlyList<string> Partitions(IConsumerStatusRegistry registry) =>
        registry.Find(Channel)?.AssignedPartitions.Where(p => !p.Contains(".retry", StringComparison.Ordinal)).ToList() ?? [];

    private ServiceProvider Member(string topic) =>
        ConveyorOnKafka.Build(cluster, c => c.AddHandler<NotedHandler>().AddKafkaChannel(Channel, topic, $"g-{topic}"));
}
