using System.Globalization;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>The embedded cluster as a separate process: the contract reliability tests build on.</summary>
public sealed class EmbeddedHostProcessTests
{
    [Fact]
    public async Task Host_PrintsBootstrapLine_ServesItsTopics_AndStopsWhenStdinCloses()
    {
        await using var host = EmbeddedHostProcess.Start("--brokers", "2", "--topic", "host-orders:4:2", "--topic", "host-other:1");
        var bootstrapServers = await host.ReadBootstrapServersAsync();
        bootstrapServers.Split(',').Length.ShouldBe(2);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            var topic = admin.GetMetadata("host-orders", TimeSpan.FromSeconds(10)).Topics.ShouldHaveSingleItem();
            topic.Partitions.Count.ShouldBe(4);
            topic.Partitions.ShouldAllBe(p => p.Replicas.Length == 2);
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All, EnableIdempotence = true }).Build())
        {
            for (var i = 0; i < 40; i++)
            {
                producer.Produce("host-orders", new Message<string, string> { Key = $"k{i % 5}", Value = i.ToString(CultureInfo.InvariantCulture) });
            }

            producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);
        }

        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "host-test" }).Build())
        {
            consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset("host-orders", p, Offset.Beginning)));
            Eventually.Consume(consumer, 40).Select(r => int.Parse(r.Message.Value, CultureInfo.InvariantCulture)).Order()
                .ShouldBe(Enumerable.Range(0, 40));
        }

        host.CloseStandardInput();
        (await host.WaitForExitAsync()).ShouldBe(0);
        (await host.ReadRestOfStandardOutputAsync()).ShouldBeEmpty("the bootstrap line is the only stdout output");
    }

    [LinuxFact]
    public async Task Host_Sigterm_ExitsCleanly()
    {
        await using var host = EmbeddedHostProcess.Start("--brokers", "1");
        await host.ReadBootstrapServersAsync();

        await host.TerminateAsync();

        (await host.WaitForExitAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Host_BadArguments_ExitsWithUsageErrorNamingTheArgument()
    {
        await using var host = EmbeddedHostProcess.Start("--topic", "orders");

        (await host.WaitForExitAsync()).ShouldBe(2);
        (await host.ReadRestOfStandardOutputAsync()).ShouldBeEmpty();
        host.StandardError.ShouldContain("--topic expects name:partitions[:replication] with at least one partition, not 'orders'");
    }
}
