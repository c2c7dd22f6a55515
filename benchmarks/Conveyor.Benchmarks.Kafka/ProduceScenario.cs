using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// The producing side alone, to profile and measure it apart from consuming: each round publishes N orders on a fresh
/// topic with the raw loop, Conveyor one by one, Conveyor's <c>PublishManyAsync</c> and Conveyor one by one with the
/// OpenTelemetry SDK wired (the sides <c>--sides</c> names), exactly as the throughput scenario's produce phase does,
/// and prints the phase's rate, CPU and allocations per message. Nothing is consumed; no report file is written.
/// </summary>
internal sealed class ProduceScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    private int _topics;

    public async Task RunAsync()
    {
        var sides = new[] { Sides.Raw, Sides.RawTraced, Sides.Conveyor, Sides.ConveyorBatch, Sides.ConveyorTraced }.Where(options.RunsSide).ToArray();
        if (sides.Length == 0)
        {
            throw new ArgumentException("--scenario produce runs the sides raw, raw-traced, conveyor, conveyor-batch and conveyor-traced: name at least one of them in --sides.");
        }

        Console.WriteLine($"Warm-up: {string.Join(", ", sides)}, {options.WarmUpMessages:N0} messages each (not reported)...");
        foreach (var side in sides)
        {
            await RunSideAsync(side, options.WarmUpMessages, sampler: null).ConfigureAwait(false);
        }

        for (var round = 1; round <= options.Rounds; round++)
        {
            for (var turn = 0; turn < sides.Length; turn++)
            {
                var side = sides[(round - 1 + turn) % sides.Length];
                using var sampler = options.AllocationTypes ? new AllocationSampler() : null;
                var (phase, switches) = await RunSideAsync(side, options.Messages, sampler).ConfigureAwait(false);
                Console.WriteLine(
                    $"  round {round} {side,-18}: produce {phase.PerSecond(options.Messages),9:N0} msg/s; CPU µs/msg {phase.CpuMicrosecondsPerMessage(options.Messages):0.0}; alloc B/msg {phase.BytesPerMessage(options.Messages):N0}; GCs {phase.Gen0}/{phase.Gen1}/{phase.Gen2}; context switches per 1,000 msg: voluntary {1000.0 * switches.Voluntary / options.Messages:0.0}, involuntary {1000.0 * switches.Involuntary / options.Messages:0.0}");
                foreach (var line in sampler?.Stop(20, options.Messages) ?? [])
                {
                    Console.WriteLine(line);
                }
            }
        }
    }

    /// <summary>One side's produce phase, with the process's context switches during it (every thread's).</summary>
    private async Task<(Phase Phase, ConsumeScenario.Switches Switches)> RunSideAsync(string side, int messages, AllocationSampler? sampler)
    {
        var topic = $"produce-{Sides.Option(side)}-{Interlocked.Increment(ref _topics)}-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, options.Partitions);
        var group = $"{topic}-group";
        try
        {
            if (side is Sides.Raw or Sides.RawTraced)
            {
                var traced = side == Sides.RawTraced;
                using var rawTelemetry = traced ? new ConveyorOpenTelemetry(RawKafkaTracing.SourceName) : null;
                ThroughputScenario.Settle();
                sampler?.Start();
                var before = ConsumeScenario.ContextSwitches.Read();
                var produced = RawKafka.Produce(cluster.BootstrapServers, topic, messages, options.RawHeaders, traced: traced);
                return (produced, ConsumeScenario.ContextSwitches.Read() - before);
            }

            // Wired for this run only, as in the throughput scenario: the SDK's listeners are process-wide.
            using var telemetry = side == Sides.ConveyorTraced ? new ConveyorOpenTelemetry() : null;
            var app = ConveyorApp.Build(cluster, topic, group, c => c.AddHandler<OrderPlacedHandler>(), s => s.AddSingleton(new HandledCounter()));
            await using (app.ConfigureAwait(false))
            {
                var bus = app.GetRequiredService<IEventBus>();
                ThroughputScenario.Settle();
                sampler?.Start();
                var before = ConsumeScenario.ContextSwitches.Read();
                var clock = PhaseClock.Start();
                await ThroughputScenario.PublishAsync(bus, messages, side == Sides.ConveyorBatch, options.SendWindow).ConfigureAwait(false);
                var published = clock.Stop();
                return (published, ConsumeScenario.ContextSwitches.Read() - before);
            }
        }
        finally
        {
            foreach (var name in ConveyorApp.TopicsOf(topic, group))
            {
                try
                {
                    cluster.DeleteTopic(name);
                }
                catch (EmbeddedKafkaException)
                {
                }
            }
        }
    }
}
