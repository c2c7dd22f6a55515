using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Configuration;

/// <summary>
/// Two consumers of one application sharing a consumer group on different subscriptions would rebalance each other
/// (and split a topic they both read): start-up warns, naming both and the group.
/// </summary>
public sealed class SharedConsumerGroupTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Order(string Id);

    public sealed class Handlers
    {
        [Asynchronous("orders")]
        [EventHandler(EndpointId = "orders.record")]
        public void Record(Order order)
        {
        }

        [Asynchronous("invoices")]
        [EventHandler(EndpointId = "invoices.record")]
        public void Invoice(Order order)
        {
        }
    }

    public sealed class Audit
    {
        [KafkaConsumer("audit.orders", "crm_orders", GroupId = "crm_application")]
        public void Handle(Order order)
        {
        }
    }

    private List<CapturedLog> WarningsFor(Action<ConveyorBuilder> configure)
    {
        var logs = new CapturingLoggerProvider();
        using var services = ConveyorOnKafka.Build(cluster, configure, s => s.AddLogging(b => b.AddProvider(logs)));
        return [.. logs.Entries.Where(e => e.EventId == 3220 && e.Level == LogLevel.Warning)];
    }

    [Fact]
    public void Bug_StartUp_KafkaChannelAndKafkaConsumerShareAGroupOnDifferentTopics_WarnsNamingBoth()
    {
        var warnings = WarningsFor(c => c
            .AddHandler<Handlers>()
            .AddHandler<Audit>()
            .AddKafkaChannel("orders", topic: "shop_orders", groupId: "crm_application")
            .AddKafkaChannel("invoices", topic: "shop_invoices", groupId: "billing"));

        var warning = warnings.ShouldHaveSingleItem().Message;
        warning.ShouldContain("Kafka consumer group crm_application is shared by");
        warning.ShouldContain("orders (subscribed to shop_orders, shop_orders.crm_application.retry)");
        warning.ShouldContain("audit.orders (subscribed to audit.orders.crm_application.retry, crm_orders)");
        warning.ShouldContain("Give each its own group");
    }

    [Fact]
    public void StartUp_EachConsumerInItsOwnGroup_NoWarning() =>
        WarningsFor(c => c
            .AddHandler<Handlers>()
            .AddHandler<Audit>()
            .AddKafkaChannel("orders", topic: "shop_orders")
            .AddKafkaChannel("invoices", topic: "shop_invoices")).ShouldBeEmpty();
}
