using Conveyor.Runtime;
using System.Globalization;
using Confluent.Kafka;
using Conveyor.Kafka.Channels;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Publishing;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Configuration;

/// <summary>
/// The defaults Conveyor gives every client (docs/kafka.md, "Safe defaults"), and that configuration can override
/// each one. The idempotent producer is also checked on the wire: it asks the cluster for a producer id.
/// </summary>
public sealed class SafeDefaultsTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    [Fact]
    public void Producers_OfChannelsAndPublishers_AckAllIdempotentAtMostFiveInFlightMurmur2Random()
    {
        using var services = KafkaConfigurationTests.Offline(KafkaConfigurationTests.Settings());
        var factory = services.GetRequiredService<KafkaChannelFactory>();

        var configs = new[]
        {
            factory.ChannelSettings("orders", new KafkaChannelOptions()).Producer,
            factory.ConsumerSettings(new KafkaConsumerAttribute("shipping", "orders"), "shipping").Producer,
            factory.PublisherSettings("partner", new KafkaPublisherOptions { Topic = "partner" }).Config,
        };

        foreach (var config in configs)
        {
            config.Get("acks").ShouldBe("all");
            config.Get("enable.idempotence").ShouldBe("true");
            int.Parse(config.Get("max.in.flight.requests.per.connection"), CultureInfo.InvariantCulture).ShouldBeLessThanOrEqualTo(5);
            config.Get("partitioner").ShouldBe("murmur2_random");
        }
    }

    [Fact]
    public void Consumers_OfChannelsAndKafkaConsumers_NeverAutoCommitOrAutoStore_AndStartAtTheEarliestOffset()
    {
        using var services = KafkaConfigurationTests.Offline(KafkaConfigurationTests.Settings());
        var factory = services.GetRequiredService<KafkaChannelFactory>();

        foreach (var config in new[] { factory.ChannelSettings("orders", new KafkaChannelOptions()).Consumer, factory.ConsumerSettings(new KafkaConsumerAttribute("shipping", "orders"), "shipping").Consumer })
        {
            config.Get("enable.auto.commit").ShouldBe("false");
            config.Get("enable.auto.offset.store").ShouldBe("false");
            config.Get("auto.offset.reset").ShouldBe("earliest");
            config.Get("fetch.wait.max.ms").ShouldBe("100");
            config.Get("reconnect.backoff.ms").ShouldBe("20");
        }
    }

    [Theory]
    [InlineData("Producer", "acks", "1")]
    [InlineData("Producer", "enable.idempotence", "false")]
    [InlineData("Producer", "max.in.flight.requests.per.connection", "1")]
    [InlineData("Producer", "partitioner", "consistent_random")]
    [InlineData("Producer", "linger.ms", "0")]
    [InlineData("Consumer", "enable.auto.commit", "true")]
    [InlineData("Consumer", "enable.auto.offset.store", "true")]
    [InlineData("Consumer", "auto.offset.reset", "latest")]
    [InlineData("Consumer", "fetch.wait.max.ms", "500")]
    [InlineData("Consumer", "reconnect.backoff.ms", "100")]
    public void EachDefault_CanBeOverridden_Globally_PerChannel_AndPerPublisherOrConsumer(string kind, string key, string value)
    {
        string[] paths = [$"{kind}:{key}", $"Properties:{key}", $"Channels:orders:{kind}:{key}", $"Consumers:shipping:{kind}:{key}", .. kind == "Producer" ? [$"Publishers:partner:Producer:{key}"] : Array.Empty<string>()];
        foreach (var path in paths)
        {
            using var services = KafkaConfigurationTests.Offline(KafkaConfigurationTests.Settings((path, value)));
            var factory = services.GetRequiredService<KafkaChannelFactory>();
            ClientConfig config = path.Split(':')[0] switch
            {
                "Publishers" => factory.PublisherSettings("partner", new KafkaPublisherOptions { Topic = "partner" }).Config,
                "Consumers" => Of(factory.ConsumerSettings(new KafkaConsumerAttribute("shipping", "orders"), "shipping"), kind),
                _ => Of(factory.ChannelSettings("orders", new KafkaChannelOptions()), kind),
            };

            config.Get(key).ShouldBe(value, $"set at {path}");
        }
    }

    [EmbeddedKafkaFact]
    public async Task IdempotentProducer_IsOnByDefault_TheFirstSendAsksTheClusterForAProducerId()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("partner", topic));
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("partner");

        embedded.StartRequestTracking();
        try
        {
            await publisher.SendAsync("first", "text/plain");
            embedded.GetTrackedRequests().ShouldContain(r => r.ApiKey == KafkaApiKey.InitProducerId);
        }
        finally
        {
            embedded.StopRequestTracking();
        }
    }

    [EmbeddedKafkaFact]
    public async Task IdempotentProducer_TurnedOff_NeverAsksForAProducerId()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("partner", topic, o => o.Producer["enable.idempotence"] = "false"));
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("partner");

        embedded.StartRequestTracking();
        try
        {
            await publisher.SendAsync("first", "text/plain");
            var requests = embedded.GetTrackedRequests();
            requests.ShouldContain(r => r.ApiKey == KafkaApiKey.Produce);
            requests.ShouldNotContain(r => r.ApiKey == KafkaApiKey.InitProducerId);
        }
        finally
        {
            embedded.StopRequestTracking();
        }

        ((KafkaPublisherChannel)services.GetRequiredService<ConveyorRuntime>().Channels["partner"]).Config.Get("enable.idempotence").ShouldBe("false");
    }

    private static ClientConfig Of(KafkaChannelSettings settings, string kind) => kind == "Producer" ? settings.Producer : settings.Consumer;
}
