using Conveyor.Kafka.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Tests.Configuration;

/// <summary>
/// <c>Conveyor:Kafka</c> is validated when the host starts, before any client is created; each error names the
/// configuration key and what to write instead. No broker is needed: the host fails before it would connect.
/// </summary>
public sealed class KafkaOptionsValidationTests
{
    public sealed record Order(string Id);

    public sealed class OrderHandler
    {
        [Asynchronous("orders")]
        [CommandHandler(EndpointId = "orders.handle")]
        public void Handle(Order order)
        {
        }
    }

    [Theory]
    [InlineData("Channels:orders")]
    [InlineData("Consumers:shipping-order")]
    public async Task InvalidValueSilentlyDiscardedTheWholeSection_HostStart_FailsNamingTheKey(string section)
    {
        using var host = Build(new()
        {
            [$"Conveyor:Kafka:{section}:GroupId"] = "crm_application",
            [$"Conveyor:Kafka:{section}:RetryMode"] = "Blockng",
        });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain($"Conveyor:Kafka:{section}:RetryMode: 'Blockng' is not valid. Use one of: RetryTopic, Blocking.");
    }

    [Fact]
    public void ValidSection_IsBoundWholly()
    {
        using var host = Build(new()
        {
            ["Conveyor:Kafka:Channels:orders:GroupId"] = "crm_application",
            ["Conveyor:Kafka:Channels:orders:RetryMode"] = "blocking",
        });

        var settings = host.Services.GetRequiredService<KafkaChannelFactory>().ChannelSettings("orders", new KafkaChannelOptions());

        settings.GroupId.ShouldBe("crm_application");
        settings.RetryMode.ShouldBe(KafkaRetryMode.Blocking);
    }

    [Theory]
    [InlineData("Consumer", "auto.offset.reset", "banana", "smallest, earliest, beginning, largest, latest, end, error")]
    [InlineData("Producer", "acks", "most", "all, -1, 0, 1")]
    [InlineData("Producer", "enable.idempotence", "yes please", "true, false")]
    [InlineData("Consumer", "isolation.level", "serializable", "read_uncommitted, read_committed")]
    [InlineData("Consumer", "partition.assignment.strategy", "range,fair", "range, roundrobin, cooperative-sticky")]
    [InlineData("Properties", "security.protocol", "tls", "plaintext, ssl, sasl_plaintext, sasl_ssl")]
    [InlineData("Properties", "sasl.mechanism", "SCRAM", "GSSAPI, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER")]
    [InlineData("Channels:orders:Consumer", "auto.offset.reset", "banana", "earliest")]
    [InlineData("Publishers:audit:Producer", "acks", "most", "all")]
    public async Task EnumeratedLibrdkafkaPropertyWasRefusedWithoutNamingTheKey_HostStart_FailsNamingKeyAndAllowedValues(string section, string property, string value, string allowed)
    {
        using var host = Build(new() { [$"Conveyor:Kafka:{section}:{property}"] = value });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain($"Conveyor:Kafka:{section}:{property}: '{value}' is not valid");
        error.Message.ShouldContain(allowed);
    }

    [Theory]
    [InlineData("Consumer", "auto.offset.reset", "latest")]
    [InlineData("Producer", "acks", "1")]
    [InlineData("Consumer", "partition.assignment.strategy", "range,roundrobin")]
    [InlineData("Properties", "security.protocol", "SASL_SSL")]
    public void ValidLibrdkafkaValue_IsAccepted(string section, string property, string value)
    {
        using var host = Build(new() { [$"Conveyor:Kafka:{section}:{property}"] = value });

        host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value.ShouldNotBeNull();
    }

    [Fact]
    public async Task InvalidConsumingSettings_HostStart_FailsNamingEachKey()
    {
        using var host = Build(new()
        {
            ["Conveyor:Kafka:Consuming:MaxBufferedRecords"] = "0",
            ["Conveyor:Kafka:Channels:orders:Consuming:CommitInterval"] = "-00:00:01",
            ["Conveyor:Kafka:DefaultPartitions"] = "0",
        });

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Conveyor:Kafka:Consuming:MaxBufferedRecords");
        error.Message.ShouldContain("Conveyor:Kafka:Channels:orders:Consuming:CommitInterval");
        error.Message.ShouldContain("Conveyor:Kafka:DefaultPartitions");
    }

    [Fact]
    public async Task InvalidPropertyGivenInCode_HostStart_FailsNamingTheChannel()
    {
        using var host = Build([], o => o.Consumer["auto.offset.reset"] = "banana");

        var error = await Should.ThrowAsync<ConveyorConfigurationException>(() => host.StartAsync());

        error.Message.ShouldContain("AddKafkaChannel(\"orders\") options:Consumer:auto.offset.reset: 'banana' is not valid");
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<KafkaChannelOptions>? channel = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration["Conveyor:Kafka:BootstrapServers"] ??= "localhost:1";
        builder.Services.AddConveyor(c => c.AddHandler<OrderHandler>().UseKafka().AddKafkaChannel("orders", configure: channel));
        return builder.Build();
    }
}
