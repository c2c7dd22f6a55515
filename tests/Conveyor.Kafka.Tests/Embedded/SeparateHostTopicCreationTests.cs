using System.Diagnostics;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>
/// <c>CreateMissingTopics: true</c> against an embedded cluster hosted in another process (Conveyor.Kafka.EmbeddedHost),
/// which does not answer CreateTopics: a consumer's start fails fast naming every topic to create, and a stop (what
/// SIGTERM does to the host) while it waits returns cleanly.
/// </summary>
public sealed class SeparateHostTopicCreationTests
{
    public sealed record Restock(string Sku);

    public sealed class Warehouse
    {
        [Asynchronous("restock")]
        [CommandHandler(EndpointId = "warehouse.restock")]
        public void On(Restock command)
        {
        }
    }

    private static ServiceProvider Build(string bootstrapServers, CapturingLoggerProvider logs) =>
        new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information))
            .AddConveyor(c => c
                .UseKafka(o =>
                {
                    o.BootstrapServers = bootstrapServers;
                    o.CreateMissingTopics = true;
                })
                .AddHandler<Warehouse>()
                .AddKafkaChannel("restock", topic: "warehouse.restock", groupId: "warehouse"))
            .BuildServiceProvider();

    [Fact]
    public async Task Bug_CreateMissingTopics_AgainstASeparatelyHostedEmbeddedCluster_FailsFastNamingEveryTopicToCreate()
    {
        await using var host = EmbeddedHostProcess.Start("--brokers", "1");
        var logs = new CapturingLoggerProvider();
        await using var services = Build(await host.ReadBootstrapServersAsync(), logs);
        var clock = Stopwatch.StartNew();

        // Bounded, so that the hang this test is about fails it instead of holding the run.
        var error = await Should.ThrowAsync<KafkaPublishException>(() => services.GetRequiredService<IConsumerRunner>()
            .RunAsync("restock", new ConsumerRunOptions { StopWhenEmpty = true })
            .WaitAsync(TimeSpan.FromSeconds(40)));

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
        error.Message.ShouldContain("Could not create Kafka topic(s) 'warehouse.restock', 'warehouse.restock.warehouse.retry', 'warehouse.restock.dead-letter'");
        error.Message.ShouldContain("did not answer the CreateTopics request");
        error.Message.ShouldContain("Create them before starting");
        logs.Entries.ShouldContain(e => e.EventId == 3221 && e.Message.Contains("warehouse.restock.dead-letter", StringComparison.Ordinal), "the wait was logged when it began");
    }

    [Fact]
    public async Task Bug_HostStop_WhileTopicCreationWaitsForASeparatelyHostedCluster_ReturnsCleanly()
    {
        await using var host = EmbeddedHostProcess.Start("--brokers", "1");
        var logs = new CapturingLoggerProvider();
        await using var services = Build(await host.ReadBootstrapServersAsync(), logs);
        var hosted = services.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        await Eventually.Until(() => logs.Entries.Any(e => e.EventId == 3221), "the hosted consumer is creating its topics");

        // The host's shutdown timeout, short: a stop that waited for the cluster's answer would run out of it.
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();
        foreach (var service in hosted)
        {
            // Record.ExceptionAsync, not Should.NotThrowAsync: the latter lets a cancelled task pass, and a
            // TaskCanceledException is exactly what crashed the host.
            (await Record.ExceptionAsync(() => service.StopAsync(shutdown.Token))).ShouldBeNull();
        }

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        logs.Entries.ShouldNotContain(e => e.Level >= LogLevel.Critical, "a stop is not a crash");
    }
}
