using System.Collections.Concurrent;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Failures;

/// <summary>What stopping and sending do while no broker can be reached. Each test brings the brokers back up in <c>finally</c>.</summary>
public sealed class UnreachableClusterTests(KafkaTestCluster kafka) : IClassFixture<KafkaTestCluster>
{
    public sealed record Restock(string Sku);

    public sealed class Handled
    {
        public ConcurrentQueue<string> Started { get; } = new();

        public ConcurrentQueue<string> Finished { get; } = new();

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Warehouse(Handled handled)
    {
        [Asynchronous("restock")]
        [CommandHandler(EndpointId = "warehouse.restock")]
        public async Task On(Restock command)
        {
            handled.Started.Enqueue(command.Sku);
            await handled.Gate.Task;
            handled.Finished.Enqueue(command.Sku);
        }
    }

    private async Task<(ServiceProvider Services, CapturingLoggerProvider Logs, string Topic)> StartAsync(Handled handled)
    {
        var topic = await kafka.CreateTopicAsync(1, purpose: "restock");
        var logs = new CapturingLoggerProvider();
        var services = ConveyorOnKafka.Build(
            kafka,
            c => c.AddHandler<Warehouse>().AddKafkaChannel("restock", topic, $"g-{topic}"),
            s => s.AddSingleton(handled).AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information)),
            o => o.Producer["message.timeout.ms"] = "3000");
        return (services, logs, topic);
    }

    [EmbeddedKafkaFact]
    public async Task Bug_StopAsync_WithAnUncommittableOffsetWhileBrokersAreUnreachable_ReturnsAndSaysItIsRedelivered()
    {
        var cluster = kafka.RequireEmbedded();
        var handled = new Handled();
        var (services, logs, _) = await StartAsync(handled);
        await using var _ = services;
        var hosted = services.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        await services.GetRequiredService<ICommandBus>().SendAsync(new Restock("s-1"));
        await Eventually.Until(() => handled.Started.Contains("s-1"), "the hosted consumer is handling a message");
        cluster.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        try
        {
            // Finished once the brokers are gone: its offset cannot be committed any more.
            handled.Gate.SetResult();
            await Eventually.Until(() => handled.Finished.Contains("s-1"), "the handler finished");
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var service in hosted)
            {
                await Should.NotThrowAsync(() => service.StopAsync(deadline.Token));
            }
        }
        finally
        {
            cluster.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        }

        logs.Entries.ShouldContain(
            e => e.EventId == 3123 && e.Message.Contains("delivered again", StringComparison.Ordinal),
            "the stop says the uncommitted record will be delivered again");
    }

    [EmbeddedKafkaFact]
    public async Task Bug_StopAsync_WhileAConsumerStartWaitsForUnreachableBrokers_ReturnsWithoutThrowing()
    {
        var cluster = kafka.RequireEmbedded();
        var (services, logs, _) = await StartAsync(new Handled());
        await using var _ = services;
        var hosted = services.GetServices<IHostedService>().ToList();
        cluster.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        try
        {
            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None);
            }

            // The first start failed on the topic check; the restart is in it again when the host stops.
            await Eventually.Until(() => logs.Entries.Count(e => e.EventId == 3001) >= 2, "the hosted consumer crashed on the unreachable cluster and restarted");
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            foreach (var service in hosted)
            {
                await Should.NotThrowAsync(() => service.StopAsync(deadline.Token));
            }
        }
        finally
        {
            cluster.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        }

        logs.Entries.ShouldContain(e => e.EventId == 3208, "the stop says the consumer never started");
    }

    [EmbeddedKafkaFact]
    public async Task Bug_BusSend_ToUnreachableCluster_ThrowsKafkaPublishExceptionNamingTopicAndServers()
    {
        var cluster = kafka.RequireEmbedded();
        var handled = new Handled();
        var (services, _, topic) = await StartAsync(handled);
        await using var _ = services;
        cluster.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        KafkaPublishException error;
        try
        {
            error = await Should.ThrowAsync<KafkaPublishException>(() => services.GetRequiredService<ICommandBus>().SendAsync(new Restock("s-2")).AsTask());
        }
        finally
        {
            cluster.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        }

        error.Message.ShouldContain(kafka.BootstrapServers);
        error.Message.ShouldContain($"'{topic}'");
    }
}
