using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Kafka.Tests.Observability;

/// <summary>
/// Conveyor's health checks against the embedded cluster: a consumer that stops, brokers that go down (the class has a
/// cluster of its own, so its faults touch no other test) and a lag over its threshold.
/// </summary>
public sealed class HealthCheckTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Ping(int Number);

    public sealed class Pings
    {
        [Asynchronous("pings")]
        [CommandHandler(EndpointId = "pings.handle")]
        public void Handle(Ping ping)
        {
        }
    }

    private async Task<ServiceProvider> Start(Action<Conveyor.Diagnostics.ConveyorHealthCheckOptions>? health = null)
    {
        var topic = await cluster.CreateTopicAsync(1);
        return ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Pings>().AddKafkaChannel("pings", topic, $"g-{topic}"),
            s => s.AddHealthChecks().AddConveyorHealthChecks(o =>
            {
                o.BrokerTimeout = TimeSpan.FromSeconds(2);
                health?.Invoke(o);
            }));
    }

    private static Task<HealthReport> Check(IServiceProvider services, string name) =>
        services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name);

    [Fact]
    public async Task Consumers_RunningThenStopped_HealthyThenUnhealthy()
    {
        await using var services = await Start();
        using var stop = new CancellationTokenSource();
        var run = services.GetRequiredService<IConsumerRunner>().RunAsync("pings", cancellationToken: stop.Token);

        HealthReport report = null!;
        await Eventually.Until(
            () => (report = Check(services, "conveyor-consumers").GetAwaiter().GetResult()).Status == HealthStatus.Healthy,
            "the running consumer is healthy");
        report.Entries["conveyor-consumers"].Data["pings"].ShouldBe("Running");

        await stop.CancelAsync();
        await run.WaitAsync(Eventually.DefaultTimeout);
        report = await Check(services, "conveyor-consumers");

        report.Status.ShouldBe(HealthStatus.Unhealthy);
        report.Entries["conveyor-consumers"].Description.ShouldBe("Not every consumer runs: pings is Stopped.");
    }

    [EmbeddedKafkaFact]
    public async Task Brokers_AllDown_UnhealthyNamingTheCluster_AndHealthyWhenBack()
    {
        var embedded = cluster.RequireEmbedded();
        await using var services = await Start();
        (await Check(services, "conveyor-brokers")).Status.ShouldBe(HealthStatus.Healthy);

        HealthReport down;
        var brokers = Enumerable.Range(1, embedded.BrokerCount).ToList();
        brokers.ForEach(embedded.SetBrokerDown);
        try
        {
            down = await Check(services, "conveyor-brokers");
        }
        finally
        {
            brokers.ForEach(embedded.SetBrokerUp);
        }

        down.Status.ShouldBe(HealthStatus.Unhealthy);
        down.Entries["conveyor-brokers"].Description.ShouldStartWith($"kafka: No Kafka broker at {cluster.BootstrapServers} answered within 2 s");
        await Eventually.Until(
            () => Check(services, "conveyor-brokers").GetAwaiter().GetResult().Status == HealthStatus.Healthy,
            "the brokers answer again");
    }

    [Fact]
    public async Task Lag_OverTheChannelsThreshold_Unhealthy()
    {
        await using var services = await Start(o => o.MaxLagPerChannel["pings"] = 2);
        var bus = services.GetRequiredService<ICommandBus>();
        await bus.SendAsync(new Ping(1));
        await bus.SendAsync(new Ping(2));

        var atThreshold = await Check(services, "conveyor-lag");
        atThreshold.Status.ShouldBe(HealthStatus.Healthy, atThreshold.Entries["conveyor-lag"].Description);
        atThreshold.Entries["conveyor-lag"].Data["pings"].ShouldBe(2L);

        await bus.SendAsync(new Ping(3));
        var over = await Check(services, "conveyor-lag");

        over.Status.ShouldBe(HealthStatus.Unhealthy);
        over.Entries["conveyor-lag"].Description.ShouldBe("Lag over its threshold: pings 3 > 2.");
    }
}
