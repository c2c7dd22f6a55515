using Conveyor.Kafka.Configuration;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Configuration;

/// <summary>
/// Credentials never appear in logs or exception messages. The embedded cluster speaks no SASL, so clients configured
/// with SASL_PLAINTEXT fail to authenticate and say so, at every log level, with librdkafka's debug output on.
/// </summary>
public sealed class CredentialsTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    private const string Password = "s3cret-Pa55";
    private const string KeyPassword = "k3y-Pa55";
    private const string ClientSecret = "0auth-S3cret";

    public sealed class Orders
    {
        [KafkaConsumer("orders.secured", "configured-per-test")]
        public void Handle(string order)
        {
        }
    }

    [Fact]
    public void Bug_DescribeShowedTheOAuthBearerConfigsClientSecretAndKeyPassphrases()
    {
        var described = KafkaClientConfigs.Describe(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = "kafka:9093",
            ["security.protocol"] = "sasl_ssl",
            ["sasl.username"] = "order-service",
            ["sasl.password"] = Password,
            ["ssl.key.password"] = KeyPassword,
            ["ssl.keystore.password"] = KeyPassword,
            ["ssl.key.pem"] = "-----BEGIN PRIVATE KEY-----MIIE",
            ["sasl.oauthbearer.client.secret"] = ClientSecret,
            ["sasl.oauthbearer.config"] = $"principal=svc clientSecret={ClientSecret}",
            ["sasl.oauthbearer.assertion.private.key.passphrase"] = KeyPassword,
        });

        described.ShouldNotContain(Password);
        described.ShouldNotContain(KeyPassword);
        described.ShouldNotContain(ClientSecret);
        described.ShouldNotContain("BEGIN PRIVATE KEY");
        described.ShouldContain("sasl.password=***");
        described.ShouldContain("bootstrap.servers=kafka:9093");
        described.ShouldContain("security.protocol=sasl_ssl");
        described.ShouldContain("sasl.username=order-service");
    }

    [EmbeddedKafkaFact]
    public async Task GlobalSaslCredentials_FailingPublishAndConsumerStart_LeakIntoNoLogAndNoException()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var logs = new CapturingLoggerProvider();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Orders>().AddKafkaPublisher("secured", topic, o => o.Producer["message.timeout.ms"] = "1500"),
            s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)),
            o =>
            {
                o.SecurityProtocol = "SASL_PLAINTEXT";
                o.SaslMechanism = "PLAIN";
                o.SaslUsername = "order-service";
                o.SaslPassword = Password;
                o.SslKeyPassword = KeyPassword;
                o.Properties["debug"] = "security,broker,conf,generic,protocol,metadata";
                o.Properties["socket.connection.setup.timeout.ms"] = "1000";
                o.Consumers["orders.secured"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" };
            });

        // Both at once: the consumer's start fails only when the topic check's metadata request times out (10 s).
        var publishing = Should.ThrowAsync<KafkaPublishException>(() => services.GetRequiredKeyedService<IKafkaPublisher>("secured").SendAsync("order-1", "text/plain"));
        var consuming = Should.ThrowAsync<Exception>(() => services.RunUntilEmpty("orders.secured"));
        var publish = await publishing;
        var consume = await consuming;

        logs.Entries.ShouldContain(e => e.Category == typeof(Kafka.Publishing.KafkaProducers).FullName && e.Contains("SASL"), "the producer really tried SASL and logged it");
        logs.Entries.ShouldContain(e => e.Category == typeof(Kafka.Channels.KafkaTopics).FullName && e.Contains("SASL"), "the topic check's admin client logs through ILogger, not stderr");
        logs.Entries.ShouldContain(e => e.Contains("sasl.password = [redacted]"), "librdkafka's own configuration dump (debug=conf) was captured");
        AssertNoSecret(logs, publish, consume);
    }

    [EmbeddedKafkaFact]
    public async Task PerConsumerSaslCredentials_ConsumerStartsAndFailsToAuthenticate_LeakIntoNoLog()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var logs = new CapturingLoggerProvider();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Orders>(),
            s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)),
            o => o.Consumers["orders.secured"] = new KafkaChannelOptions
            {
                Topic = topic,
                GroupId = $"g-{topic}",
                Consumer =
                {
                    ["security.protocol"] = "sasl_plaintext",
                    ["sasl.mechanism"] = "SCRAM-SHA-256",
                    ["sasl.username"] = "order-service",
                    ["sasl.password"] = Password,
                    ["sasl.oauthbearer.config"] = $"clientSecret={ClientSecret}",
                    ["debug"] = "security,broker,conf,cgrp",
                },
            });

        using var stop = new CancellationTokenSource();
        var run = services.GetRequiredService<IConsumerRunner>().RunAsync("orders.secured", cancellationToken: stop.Token);
        await Eventually.Until(() => logs.Entries.Any(e => e.EventId == 3202), "the channel logged its (masked) consumer configuration");
        await Eventually.Until(() => logs.Entries.Any(e => e.Level >= LogLevel.Warning && (e.Contains("SASL") || e.Contains("Authentication"))), "the consumer logged that it cannot authenticate");
        await stop.CancelAsync();
        Exception? stopped = null;
        try
        {
            await run.WaitAsync(Eventually.DefaultTimeout);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            stopped = e;
        }

        logs.Entries.Single(e => e.EventId == 3202).Message.ShouldContain("sasl.password=***");
        AssertNoSecret(logs, stopped);
    }

    [Fact]
    public async Task Bug_TopicCheckAndLagClientsLoggedLibrdkafkaOutputToStderr_PastILogger()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var logs = new CapturingLoggerProvider();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Orders>(),
            s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)),
            o =>
            {
                o.Properties["debug"] = "generic";
                o.Consumers["orders.secured"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" };
            });

        await services.RunUntilEmpty("orders.secured");
        await services.GetRequiredService<IKafkaLag>().GetLagAsync("orders.secured");

        logs.Entries.ShouldContain(e => e.Category == typeof(Kafka.Channels.KafkaTopics).FullName && e.EventId == 3201, "the topic check's admin client logs through ILogger");
        logs.Entries.ShouldContain(e => e.Category == typeof(Kafka.Lag.KafkaLag).FullName && e.EventId == 3201, "the lag reader's clients log through ILogger");
    }

    private static void AssertNoSecret(CapturingLoggerProvider logs, params Exception?[] exceptions)
    {
        logs.Entries.Count.ShouldBeGreaterThan(0);
        foreach (var secret in new[] { Password, KeyPassword, ClientSecret })
        {
            logs.Entries.Where(e => e.Contains(secret)).ShouldBeEmpty($"log entries containing '{secret}'");
            foreach (var exception in exceptions.OfType<Exception>())
            {
                exception.ToString().ShouldNotContain(secret);
            }
        }
    }
}
