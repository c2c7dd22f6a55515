using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.Channels;
using Conveyor.Kafka.Publishing;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Tests.Configuration;

/// <summary>
/// <c>Conveyor:Kafka</c> bound from appsettings-style configuration into the effective librdkafka configuration of
/// every client, with the documented precedence: Conveyor's defaults &lt; global (typed settings, then
/// <c>Properties</c>) &lt; client kind (<c>Producer</c> / <c>Consumer</c>) &lt; code per channel &lt; configured per
/// channel, publisher or consumer.
/// </summary>
public sealed class KafkaConfigurationTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    /// <summary>The production example of docs/kafka.md, section Configuration.</summary>
    public const string AppSettings = """
        {
          "Conveyor": {
            "Kafka": {
              "BootstrapServers": "kafka1.prod.example:9093,kafka2.prod.example:9093",
              "SecurityProtocol": "SaslSsl",
              "SaslMechanism": "ScramSha512",
              "SaslUsername": "order-service",
              "SaslPassword": "s3cret-Pa55",
              "SslCaLocation": "/etc/kafka/ca.pem",
              "SslCertificateLocation": "/etc/kafka/client.pem",
              "SslKeyLocation": "/etc/kafka/client.key",
              "SslKeyPassword": "k3y-Pa55",
              "Properties": { "client.id": "order-service", "socket.keepalive.enable": "true" },
              "Producer": { "linger.ms": "10", "compression.type": "lz4" },
              "Consumer": { "session.timeout.ms": "10000", "max.poll.interval.ms": "300000" },
              "Channels": {
                "orders": {
                  "Topic": "crm_orders",
                  "GroupId": "crm_application",
                  "Consumer": { "fetch.min.bytes": "1024" }
                }
              },
              "Publishers": {
                "partner_x_publisher": {
                  "Topic": "partner_x.lead.accepted.v1",
                  "Producer": { "compression.type": "zstd" }
                }
              },
              "Consumers": {
                "shipping-order": {
                  "GroupId": "shipping",
                  "Consumer": { "auto.offset.reset": "latest" }
                }
              }
            }
          }
        }
        """;

    [Fact]
    public void AppSettings_BindsConnectionSecurityAndPassThroughProperties()
    {
        using var services = Offline(AppSettings);

        var options = services.GetRequiredService<IOptions<KafkaOptions>>().Value;

        options.BootstrapServers.ShouldBe("kafka1.prod.example:9093,kafka2.prod.example:9093");
        options.SaslPassword.ShouldBe("s3cret-Pa55");
        options.Properties["client.id"].ShouldBe("order-service");
        options.Producer["compression.type"].ShouldBe("lz4");
        options.Consumer["session.timeout.ms"].ShouldBe("10000");
        options.Channels["orders"].GroupId.ShouldBe("crm_application");
        options.Publishers["partner_x_publisher"].Producer["compression.type"].ShouldBe("zstd");
        options.Consumers["shipping-order"].Consumer["auto.offset.reset"].ShouldBe("latest");
    }

    [Fact]
    public void AppSettings_SecurityReachesProducerConsumerAndAdminClients_InLibrdkafkaSpelling()
    {
        using var services = Offline(AppSettings);
        var factory = services.GetRequiredService<KafkaChannelFactory>();

        var channel = factory.ChannelSettings("orders", new KafkaChannelOptions());

        var expected = new Dictionary<string, string>
        {
            ["bootstrap.servers"] = "kafka1.prod.example:9093,kafka2.prod.example:9093",
            ["security.protocol"] = "sasl_ssl",
            ["sasl.mechanism"] = "SCRAM-SHA-512",
            ["sasl.username"] = "order-service",
            ["sasl.password"] = "s3cret-Pa55",
            ["ssl.ca.location"] = "/etc/kafka/ca.pem",
            ["ssl.certificate.location"] = "/etc/kafka/client.pem",
            ["ssl.key.location"] = "/etc/kafka/client.key",
            ["ssl.key.password"] = "k3y-Pa55",
            ["client.id"] = "order-service",
            ["socket.keepalive.enable"] = "true",
        };
        foreach (var config in new ClientConfig[] { channel.Producer, channel.Consumer, channel.Admin })
        {
            foreach (var (key, value) in expected)
            {
                config.Get(key).ShouldBe(value, $"{key} of {config.GetType().Name}");
            }
        }
    }

    [Fact]
    public void AppSettings_KindPropertiesGoToTheirKindOnly_AndPerChannelPublisherAndConsumerSectionsApply()
    {
        using var services = Offline(AppSettings);
        var factory = services.GetRequiredService<KafkaChannelFactory>();

        var orders = factory.ChannelSettings("orders", new KafkaChannelOptions { Topic = "code_topic", GroupId = "code_group" });
        orders.Topics.ShouldBe(["crm_orders"], "configuration beats code");
        orders.GroupId.ShouldBe("crm_application");
        orders.Consumer.GroupId.ShouldBe("crm_application");
        orders.Producer.Get("linger.ms").ShouldBe("10");
        orders.Producer.Get("compression.type").ShouldBe("lz4");
        orders.Producer.Get("session.timeout.ms").ShouldBeNull("consumer properties stay out of producers");
        orders.Producer.Get("fetch.min.bytes").ShouldBeNull();
        orders.Consumer.Get("session.timeout.ms").ShouldBe("10000");
        orders.Consumer.Get("max.poll.interval.ms").ShouldBe("300000");
        orders.Consumer.Get("fetch.min.bytes").ShouldBe("1024");
        orders.Consumer.Get("linger.ms").ShouldBeNull("producer properties stay out of consumers");
        orders.Admin.Get("linger.ms").ShouldBeNull();
        orders.Admin.Get("session.timeout.ms").ShouldBeNull();

        var other = factory.ChannelSettings("invoices", new KafkaChannelOptions());
        other.Topics.ShouldBe(["invoices"]);
        other.Consumer.Get("fetch.min.bytes").ShouldBeNull("a channel's section applies to that channel only");

        var (topic, publisher) = factory.PublisherSettings("partner_x_publisher", new KafkaPublisherOptions { Topic = "code_topic" });
        topic.ShouldBe("partner_x.lead.accepted.v1");
        publisher.Get("compression.type").ShouldBe("zstd");
        publisher.Get("linger.ms").ShouldBe("10");
        publisher.Get("sasl.password").ShouldBe("s3cret-Pa55");

        var shipping = factory.ConsumerSettings(new KafkaConsumerAttribute("shipping-order", "orders"), "shipping-order");
        shipping.GroupId.ShouldBe("shipping");
        shipping.Consumer.Get("auto.offset.reset").ShouldBe("latest");
        shipping.Consumer.Get("session.timeout.ms").ShouldBe("10000");
        shipping.Topics.ShouldBe(["orders"]);
    }

    [Theory]
    [InlineData("Plaintext", "Plain", "plaintext", "PLAIN")]
    [InlineData("SaslPlaintext", "ScramSha256", "sasl_plaintext", "SCRAM-SHA-256")]
    [InlineData("SASL_SSL", "SCRAM-SHA-512", "SASL_SSL", "SCRAM-SHA-512")]
    [InlineData("ssl", "OAuthBearer", "ssl", "OAUTHBEARER")]
    [InlineData("SaslSsl", "Gssapi", "sasl_ssl", "GSSAPI")]
    public void SecurityProtocolAndMechanism_AcceptDotNetSpellings_AndPassLibrdkafkaSpellingsThrough(string protocol, string mechanism, string expectedProtocol, string expectedMechanism)
    {
        using var services = Offline(Settings(("SecurityProtocol", protocol), ("SaslMechanism", mechanism)));

        var settings = services.GetRequiredService<KafkaChannelFactory>().ChannelSettings("c", new KafkaChannelOptions());

        settings.Producer.Get("security.protocol").ShouldBe(expectedProtocol);
        settings.Producer.Get("sasl.mechanism").ShouldBe(expectedMechanism);
    }

    [Fact]
    public void Precedence_DefaultsGlobalKindCodeChannelConfiguredChannel_EachLevelBeatsTheOnesBelow()
    {
        // One property per depth: the deepest level that sets it must win. Values name the level.
        using var services = Offline(Settings(
            ("Properties:client.id", "global"), ("Producer:client.id", "producer"), ("Consumer:client.id", "consumer"),
            ("Channels:orders:Properties:client.id", "configured-channel"), ("Channels:orders:Producer:client.id", "configured-channel-producer"), ("Channels:orders:Consumer:client.id", "configured-channel-consumer"),
            ("Properties:socket.timeout.ms", "11000"), ("Producer:socket.timeout.ms", "12000"), ("Consumer:socket.timeout.ms", "12000"),
            ("Channels:orders:Properties:socket.timeout.ms", "15000"),
            ("Properties:metadata.max.age.ms", "21000"), ("Producer:metadata.max.age.ms", "22000"), ("Consumer:metadata.max.age.ms", "22000"),
            ("Properties:reconnect.backoff.ms", "31"), ("Producer:reconnect.backoff.ms", "32"), ("Consumer:reconnect.backoff.ms", "32"),
            ("Properties:reconnect.backoff.max.ms", "4100"), ("Producer:reconnect.backoff.max.ms", "4200"), ("Consumer:reconnect.backoff.max.ms", "4200"),
            ("Properties:socket.keepalive.enable", "true"),
            ("Properties:linger.ms", "6"),
            ("SaslUsername", "typed-user"), ("Properties:sasl.username", "properties-user")));
        var code = new KafkaChannelOptions
        {
            Properties = { ["client.id"] = "code", ["socket.timeout.ms"] = "13000", ["metadata.max.age.ms"] = "23000", ["reconnect.backoff.ms"] = "33" },
            Producer = { ["client.id"] = "code-producer", ["socket.timeout.ms"] = "14000", ["metadata.max.age.ms"] = "24000" },
            Consumer = { ["client.id"] = "code-consumer", ["socket.timeout.ms"] = "14000", ["metadata.max.age.ms"] = "24000" },
        };

        var settings = services.GetRequiredService<KafkaChannelFactory>().ChannelSettings("orders", code);

        settings.Producer.Get("client.id").ShouldBe("configured-channel-producer");
        settings.Consumer.Get("client.id").ShouldBe("configured-channel-consumer");
        foreach (var config in new ClientConfig[] { settings.Producer, settings.Consumer })
        {
            config.Get("socket.timeout.ms").ShouldBe("15000", "configured channel (all clients) beats code");
            config.Get("reconnect.backoff.max.ms").ShouldBe("4200", "kind beats global");
            config.Get("reconnect.backoff.ms").ShouldBe("33", "code channel beats kind");
            config.Get("socket.keepalive.enable").ShouldBe("true", "global applies");
            config.Get("sasl.username").ShouldBe("properties-user", "global Properties beat the typed settings");
        }

        settings.Producer.Get("metadata.max.age.ms").ShouldBe("24000", "code channel producer beats code channel");
        settings.Consumer.Get("metadata.max.age.ms").ShouldBe("24000");
        settings.Producer.Get("linger.ms").ShouldBe("6", "global beats Conveyor's default of 5");
        settings.Admin.Get("client.id").ShouldBe("global", "admin clients take only global settings");
    }

    [Fact]
    public void AdminClients_NeverLetAMetadataRequestCreateATopic_EvenWhenTheGlobalPropertiesAllowIt()
    {
        using var services = Offline(Settings(("Properties:allow.auto.create.topics", "true")));

        var settings = services.GetRequiredService<KafkaChannelFactory>().ChannelSettings("orders", new KafkaChannelOptions());

        settings.Admin.Get("allow.auto.create.topics").ShouldBe("false", "lag and dead-letter reads name topics in Metadata requests; only the topic check creates topics");
        settings.Producer.Get("allow.auto.create.topics").ShouldBe("true", "the producers' setting stays the user's");
    }

    [Fact]
    public void Precedence_ForPublishers_CodeOptionsBeatKind_AndConfigurationBeatsCode()
    {
        using var services = Offline(Settings(
            ("Producer:compression.type", "gzip"), ("Producer:linger.ms", "20"), ("Producer:batch.size", "32768"),
            ("Publishers:audit:Producer:linger.ms", "50")));
        var factory = services.GetRequiredService<KafkaChannelFactory>();

        var (topic, config) = factory.PublisherSettings("audit", new KafkaPublisherOptions { Topic = "audit", Producer = { ["compression.type"] = "snappy", ["linger.ms"] = "30" } });

        topic.ShouldBe("audit");
        config.Get("batch.size").ShouldBe("32768");
        config.Get("compression.type").ShouldBe("snappy");
        config.Get("linger.ms").ShouldBe("50");
        Should.Throw<ConveyorConfigurationException>(() => factory.PublisherSettings("nameless", new KafkaPublisherOptions()))
            .Message.ShouldContain("Conveyor:Kafka:Publishers:nameless:Topic");
    }

    [Fact]
    public void MissingBootstrapServers_FailsWithWhatToSet()
    {
        using var services = Offline("""{ "Conveyor": { "Kafka": { "Producer": { "acks": "1" } } } }""");

        var error = Should.Throw<ConveyorConfigurationException>(() => services.GetRequiredService<KafkaChannelFactory>().ChannelSettings("orders", new KafkaChannelOptions()));

        error.Message.ShouldContain("Conveyor:Kafka:BootstrapServers");
    }

    [Fact]
    public async Task RegisteredChannelPublisherAndConsumer_OnARunningCluster_UseTheConfiguredClientSettings()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Conveyor:Kafka:Properties:client.id"] = "configured-app",
            ["Conveyor:Kafka:Producer:compression.type"] = "lz4",
            ["Conveyor:Kafka:Channels:audit:Producer:linger.ms"] = "25",
            ["Conveyor:Kafka:Channels:audit:GroupId"] = $"audit-{topic}",
            ["Conveyor:Kafka:Publishers:partner:Producer:linger.ms"] = "35",
            ["Conveyor:Kafka:Consumers:audit.trail:Consumer:fetch.wait.max.ms"] = "100",
            ["Conveyor:Kafka:Consumers:audit.trail:Topic"] = topic,
        }).Build();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<AuditTrail>()
                .AddKafkaChannel("audit", topic, groupId: "code-group", o => o.Producer["linger.ms"] = "15")
                .AddKafkaPublisher("partner", topic, o => o.Producer["linger.ms"] = "45"),
            s => s.AddSingleton<IConfiguration>(configuration));
        var runtime = services.GetRequiredService<ConveyorRuntime>();

        var channel = ((KafkaChannel)runtime.Channels["audit"]).Settings;
        channel.GroupId.ShouldBe($"audit-{topic}");
        channel.Producer.Get("linger.ms").ShouldBe("25");
        channel.Producer.Get("compression.type").ShouldBe("lz4");
        channel.Producer.Get("client.id").ShouldBe("configured-app");
        var publisher = (KafkaPublisherChannel)runtime.Channels["partner"];
        publisher.Config.Get("linger.ms").ShouldBe("35");
        publisher.Config.Get("client.id").ShouldBe("configured-app");
        var consumer = ((KafkaChannel)runtime.Channels["audit.trail"]).Settings;
        consumer.Consumer.Get("fetch.wait.max.ms").ShouldBe("100");
        consumer.Topics.ShouldBe([topic]);

        var delivery = await services.GetRequiredKeyedService<IKafkaPublisher>("partner").SendAsync("configured", "text/plain");
        delivery.Topic.ShouldBe(topic, "the configured clients really work against the cluster");
    }

    public sealed class AuditTrail
    {
        [KafkaConsumer("audit.trail", "audit-topic")]
        public void Handle(string entry)
        {
        }
    }

    /// <summary>A provider with Kafka configured from JSON and no cluster: only effective settings are inspected, no client is created.</summary>
    internal static ServiceProvider Offline(string json)
    {
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddConveyor(c => c.UseKafka(configuration.GetSection("Conveyor:Kafka")));
        return services.BuildServiceProvider();
    }

    /// <summary>Appsettings JSON with bootstrap servers and the given <c>Conveyor:Kafka</c> keys (colon paths).</summary>
    internal static string Settings(params (string Path, string Value)[] entries)
    {
        var root = new Dictionary<string, object> { ["BootstrapServers"] = "localhost:9092" };
        foreach (var (path, value) in entries)
        {
            var node = root;
            var parts = path.Split(':');
            foreach (var part in parts[..^1])
            {
                if (!node.TryGetValue(part, out var child))
                {
                    child = new Dictionary<string, object>();
                    node[part] = child;
                }

                node = (Dictionary<string, object>)child;
            }

            node[parts[^1]] = value;
        }

        return System.Text.Json.JsonSerializer.Serialize(new { Conveyor = new { Kafka = root } });
    }
}
