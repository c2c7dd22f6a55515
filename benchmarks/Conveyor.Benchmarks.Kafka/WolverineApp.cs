using Confluent.Kafka;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;
using Wolverine.Kafka;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>How the WolverineFx.Kafka listener runs: its <c>BufferedInMemory()</c> or <c>ProcessInline()</c> mode.</summary>
internal enum WolverineMode
{
    Buffered,
    Inline,
}

/// <summary>The trivial Wolverine handler of the throughput scenario, counting like Conveyor's.</summary>
public sealed class WolverineOrderPlacedHandler(HandledCounter counter)
{
    public void Handle(OrderPlaced order) => counter.Handle(order);
}

/// <summary>The 1 ms Wolverine handler of the key-parallel scenario, tracked like Conveyor's.</summary>
public sealed class WolverineKeyedWorkHandler(KeyOrderTracker tracker, PreciseDelayHolder delay)
{
    public async Task Handle(KeyedWork work)
    {
        var started = tracker.Start(work);
        await delay.Delay.WaitAsync(TimeSpan.FromMilliseconds(1)).ConfigureAwait(false);
        tracker.End(work, started, System.Diagnostics.Stopwatch.GetTimestamp() - started);
    }
}

/// <summary>
/// A WolverineFx.Kafka 6.62 application on the shared embedded cluster, configured as its Kafka guide recommends for
/// safety: the topic's producer opted into <c>UseIdempotentProducer()</c> (acks=all), the listener on its default
/// commit mode (<c>StoreThenAutoFlush</c>: an offset is stored only after its message was handled and flushed by the
/// client's auto-committer), the consumer's session timeouts as Conveyor's side, everything else at its defaults.
/// Only the benchmark's handler is discovered (the assembly holds Conveyor's handler of the same message too).
/// </summary>
internal static class WolverineApp
{
    /// <summary>A host that only publishes <see cref="OrderPlaced"/> to <paramref name="topic"/>.</summary>
    public static Task<IHost> StartSenderAsync(EmbeddedKafkaCluster cluster, string topic) =>
        StartAsync<WolverineOrderPlacedHandler>(cluster, opts => opts.PublishMessage<OrderPlaced>().ToKafkaTopic(topic).UseIdempotentProducer(), _ => { });

    /// <summary>A host whose <typeparamref name="THandler"/> handles <paramref name="topic"/> in group <paramref name="groupId"/>, its listener configured by <paramref name="listener"/>.</summary>
    public static Task<IHost> StartListenerAsync<THandler>(
        EmbeddedKafkaCluster cluster, string topic, string groupId, Action<KafkaListenerConfiguration> listener, Action<IServiceCollection> services) =>
        StartAsync<THandler>(
            cluster,
            opts =>
            {
                listener(opts.ListenToKafkaTopic(topic));
                services(opts.Services);
            },
            consumer =>
            {
                consumer.GroupId = groupId;
                consumer.AutoOffsetReset = AutoOffsetReset.Earliest;
                consumer.SessionTimeoutMs = 2000;
                consumer.HeartbeatIntervalMs = 500;
            });

    /// <summary>The throughput scenario's listener in <paramref name="mode"/>.</summary>
    public static void Mode(KafkaListenerConfiguration listener, WolverineMode mode) =>
        _ = mode == WolverineMode.Inline ? listener.ProcessInline() : listener.BufferedInMemory();

    private static async Task<IHost> StartAsync<THandler>(EmbeddedKafkaCluster cluster, Action<WolverineOptions> configure, Action<ConsumerConfig> consumers)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(b => b.ClearProviders().SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true))
            .UseWolverine(opts =>
            {
                opts.UseKafka(cluster.BootstrapServers).ConfigureConsumers(consumers);
                opts.Discovery.DisableConventionalDiscovery().IncludeType<THandler>();
                opts.Policies.DisableConventionalLocalRouting();
                configure(opts);
            })
            .Build();
        await host.StartAsync().ConfigureAwait(false);
        return host;
    }

    /// <summary>Publishes one order with its id as the Kafka key, as the raw loop and Conveyor key theirs.</summary>
    public static ValueTask PublishAsync(IMessageBus bus, OrderPlaced order) =>
        bus.PublishAsync(order, new DeliveryOptions { PartitionKey = order.OrderId });
}
