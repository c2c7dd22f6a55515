using System.Text;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Publishing;

/// <summary>
/// Records Conveyor writes with a partition key land on the partition a Java producer (Kafka's default partitioner:
/// <c>toPositive(murmur2(key)) % partitions</c>) would choose for the same key, so Conveyor and JVM services can
/// share keyed topics and keep per-key order.
/// </summary>
public sealed class JavaCompatiblePartitioningTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const int Partitions = 12;

    public sealed record AccountDebited(string AccountId, int Sequence);

    public sealed class Ledger
    {
        [Asynchronous("ledger")]
        [EventHandler(EndpointId = "ledger.post")]
        public void Post(AccountDebited e)
        {
        }
    }

    /// <summary>The test vectors of Kafka's own <c>UtilsTest.testMurmur2</c>: our reference implementation is Java's.</summary>
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void ReferenceMurmur2_MatchesTheJavaClientsTestVectors(string key, int expected) =>
        JavaPartitioner.Murmur2(Encoding.ASCII.GetBytes(key)).ShouldBe(expected);

    [Fact]
    public async Task ChannelAndPublisher_WithPartitionKeys_WriteEveryRecordToThePartitionJavaWouldPick()
    {
        var topic = await cluster.CreateTopicAsync(Partitions);
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Ledger>().AddKafkaChannel("ledger", topic, groupId: $"g-{topic}").AddKafkaPublisher("ledger_export", topic));
        var bus = services.GetRequiredService<IEventBus>();
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("ledger_export");
        var channelKeys = Keys("acct").Take(250).ToList();
        var publisherKeys = Keys("export").Take(250).ToList();

        await Task.WhenAll(channelKeys.Select((key, i) => bus.PublishAsync(new AccountDebited(key, i), Keyed(key)).AsTask()));
        var deliveries = await Task.WhenAll(publisherKeys.Select((key, i) => publisher.SendAsync(new AccountDebited(key, i), Keyed(key))));

        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Count.ShouldBe(500);
        records.Select(r => r.Key).ShouldBe(channelKeys.Concat(publisherKeys), ignoreOrder: true);
        var misplaced = records.Where(r => r.Partition != JavaPartitioner.Partition(r.Key!, Partitions)).Select(r => $"{r.Key} on {r.Partition}, Java: {JavaPartitioner.Partition(r.Key!, Partitions)}").ToList();
        misplaced.ShouldBeEmpty();
        deliveries.Zip(publisherKeys).ShouldAllBe(d => d.First.Partition == JavaPartitioner.Partition(d.Second, Partitions));
        records.Select(r => r.Partition).Distinct().Count().ShouldBe(Partitions, "500 keys cover every partition");
    }

    [Fact]
    public async Task WithLibrdkafkasOwnDefaultPartitioner_KeysLandElsewhere_SoTheCheckAboveCanFail()
    {
        var topic = await cluster.CreateTopicAsync(Partitions);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("crc32", topic, o => o.Producer["partitioner"] = "consistent_random"));
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("crc32");
        var keys = Keys("acct").Take(50).ToList();

        var deliveries = await Task.WhenAll(keys.Select(key => publisher.SendAsync("x", "text/plain", Keyed(key))));

        deliveries.Zip(keys).Count(d => d.First.Partition != JavaPartitioner.Partition(d.Second, Partitions)).ShouldBeGreaterThan(25);
    }

    /// <summary>Short, long, numeric-looking and non-ASCII keys: every murmur2 tail length and multi-byte UTF-8.</summary>
    private static IEnumerable<string> Keys(string prefix)
    {
        for (var i = 0; ; i++)
        {
            yield return (i % 5) switch
            {
                0 => $"{prefix}-{i}",
                1 => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                2 => $"{prefix}-{i}-ключ-ü-🔑",
                3 => $"{prefix}:{new string('x', i % 17)}:{i}",
                _ => $"{Guid.NewGuid()}",
            };
        }
    }

    private static Dictionary<string, string> Keyed(string key) => new() { [MessageHeaderNames.PartitionKey] = key };
}
