using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Configuration;

/// <summary><c>FinalFailureStrategy</c> under <c>Conveyor:Kafka:Channels:&lt;name&gt;</c> and <c>Consumers:&lt;endpoint&gt;</c>.</summary>
public sealed class ConfiguredFailureStrategyTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Shipment(string Id);

    public sealed class Handlers
    {
        [Asynchronous("shipments")]
        [EventHandler(EndpointId = "shipments.label")]
        public void Label(Shipment shipment)
        {
        }

        [Asynchronous("returns")]
        [EventHandler(EndpointId = "returns.refund")]
        public void Refund(Shipment shipment)
        {
        }

        [KafkaConsumer("carrier.events", "carrier-events")]
        public void Carrier(string update)
        {
        }

        [FinalFailure(FinalFailureStrategy.Stop)]
        [KafkaConsumer("carrier.audit", "carrier-events")]
        public void Audit(string update)
        {
        }
    }

    [Fact]
    public async Task Bug_ConfiguredFinalFailureStrategyOfAChannelOrConsumerWasIgnored()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Conveyor:Kafka:Channels:shipments:FinalFailureStrategy"] = "Ignore",
            ["Conveyor:Kafka:Consumers:carrier.events:FinalFailureStrategy"] = "Resend",
            ["Conveyor:Kafka:Consumers:carrier.audit:FinalFailureStrategy"] = "Resend",
        }).Build();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Handlers>()
                .AddKafkaChannel("shipments", topic, configure: o => o.FinalFailureStrategy = FinalFailureStrategy.Stop)
                .AddKafkaChannel("returns", topic, groupId: "returns", configure: o => o.FinalFailureStrategy = FinalFailureStrategy.Stop),
            s => s.AddSingleton<IConfiguration>(configuration));

        var endpoints = services.GetRequiredService<ConveyorRuntime>().Endpoints;

        endpoints["shipments.label"].Failure.FinalStrategy.ShouldBe(FinalFailureStrategy.Ignore, "configuration beats code per channel");
        endpoints["returns.refund"].Failure.FinalStrategy.ShouldBe(FinalFailureStrategy.Stop, "code applies where nothing is configured");
        endpoints["carrier.events"].Failure.FinalStrategy.ShouldBe(FinalFailureStrategy.Resend);
        endpoints["carrier.audit"].Failure.FinalStrategy.ShouldBe(FinalFailureStrategy.Stop, "the endpoint's own attribute beats its channel");
    }
}
