using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

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

    [Fact]
    public async Task Host_FixedPort_AdvertisesItsPorts_AndAClientThatKnowsOnlyTheFirstProducesAndConsumes()
    {
        var port = FreePortPair();
        await using var host = EmbeddedHostProcess.Start("--brokers", "2", "--port", port.ToString(CultureInfo.InvariantCulture), "--topic", "fixed-port:2");

        var bootstrapServers = await host.ReadBootstrapServersAsync();

        bootstrapServers.ShouldBe($"127.0.0.1:{port},127.0.0.1:{port + 1}");
        var firstBrokerOnly = $"127.0.0.1:{port}";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = firstBrokerOnly }).Build())
        {
            admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => (b.Host, b.Port)).Order()
                .ShouldBe([("127.0.0.1", port), ("127.0.0.1", port + 1)]);
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = firstBrokerOnly, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                producer.Produce("fixed-port", new Message<string, string> { Key = $"k{i}", Value = i.ToString(CultureInfo.InvariantCulture) });
            }

            producer.Flush(Eventually.DefaultTimeout).ShouldBe(0);
        }

        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = firstBrokerOnly, GroupId = "fixed-port-test" }).Build())
        {
            consumer.Assign(Enumerable.Range(0, 2).Select(p => new TopicPartitionOffset("fixed-port", p, Offset.Beginning)));
            Eventually.Consume(consumer, 20).Select(r => int.Parse(r.Message.Value, CultureInfo.InvariantCulture)).Order()
                .ShouldBe(Enumerable.Range(0, 20));
        }
    }

    [Fact]
    public async Task Host_PortInUse_ExitsWithAMessageNamingIt()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var host = EmbeddedHostProcess.Start("--brokers", "1", "--port", port.ToString(CultureInfo.InvariantCulture));

        (await host.WaitForExitAsync()).ShouldBe(1);
        (await host.ReadRestOfStandardOutputAsync()).ShouldBeEmpty();
        host.StandardError.ShouldContain($"Cannot listen on 127.0.0.1:{port}");
    }

    [Fact]
    public async Task UseEmbeddedKafka_WithTheHostsBootstrapServers_CreatesMissingTopicsThroughAutoCreation()
    {
        await using var host = EmbeddedHostProcess.Start("--brokers", "1");
        var bootstrapServers = await host.ReadBootstrapServersAsync();
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddConveyor(c => c.UseEmbeddedKafka(o => o.BootstrapServers = bootstrapServers));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<KafkaOptions>>().Value.BootstrapServers.ShouldBe(bootstrapServers);
        provider.GetRequiredService<IKafkaTopicCreator>().CreateTopic("created-on-request", 4, 1);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var topic = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.ShouldHaveSingleItem();
        topic.Topic.ShouldBe("created-on-request");
        topic.Partitions.Count.ShouldBe(4);
    }

    /// <summary>A port P such that P and P + 1 were free a moment ago (the host binds them right away).</summary>
    private static int FreePortPair()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            var port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= 65535)
            {
                continue;
            }

            try
            {
                using var second = new TcpListener(IPAddress.Loopback, port + 1);
                second.Start();
                second.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another pair.
            }
        }

        throw new InvalidOperationException("No two consecutive free ports were found on 127.0.0.1.");
    }
}
