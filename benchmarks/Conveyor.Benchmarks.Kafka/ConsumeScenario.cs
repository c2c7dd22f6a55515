using System.Runtime.InteropServices;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>One consume-only run: N records written beforehand by the raw producer, then consumed and committed by one side.</summary>
internal sealed record ConsumeRun(string Side, int Round, int Messages, Phase Consume, long VoluntarySwitches, long InvoluntarySwitches);

/// <summary>
/// The consuming side alone, for profiling and for the consumer's CPU bar: each round the raw producer writes N records
/// carrying the headers a Conveyor channel record carries (the same on both sides), then the raw loop or a Conveyor
/// channel with a counting handler consumes and commits them, measured with the process's context switches. A line
/// <c>consuming: SIDE round R</c> is printed as each consume phase starts, for a profiler to attach to
/// (<c>perf record -p PID</c>). With <c>--alloc-types</c> it ranks the types the Conveyor side allocated. The
/// <c>conveyor-traced</c> side consumes with the OpenTelemetry SDK wired, records that carry a <c>traceparent</c> each
/// as a traced producer's do.
/// </summary>
internal sealed partial class ConsumeScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    private readonly AllocationSampler? _allocations = options.AllocationTypes ? new AllocationSampler() : null;
    private int _topics;

    public async Task<List<ConsumeRun>> RunAsync()
    {
        var sides = new[] { Sides.Raw, Sides.RawTraced, Sides.Conveyor, Sides.ConveyorTraced }.Where(options.RunsSide).ToArray();
        // Two warm-up runs per side, each a fresh application as a measured round is: after one, the first measured round
        // of Conveyor still took 1.7-2.2x the CPU per message of the next ones (the tiered JIT recompiling what the warm-up
        // made hot, with the new application's own code to compile first); one warm-up run of more records does not do
        // instead: all of a run's records must fit in the embedded cluster's partition logs (MaxPartitionLogBytes, ~345,000
        // of these records over 24 partitions), which RawKafka.Produce checks.
        Console.WriteLine($"Warm-up: {string.Join(", ", sides)}, two runs of {options.WarmUpMessages:N0} messages each (not reported)...");
        for (var run = 0; run < 2; run++)
        {
            foreach (var side in sides)
            {
                await RunSideAsync(side, 0, options.WarmUpMessages).ConfigureAwait(false);
            }
        }

        var runs = new List<ConsumeRun>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            for (var turn = 0; turn < sides.Length; turn++)
            {
                var run = await RunSideAsync(sides[(round - 1 + turn) % sides.Length], round, options.Messages).ConfigureAwait(false);
                runs.Add(run);
                Console.WriteLine(
                    $"  round {round} {run.Side,-15}: consume {run.Consume.PerSecond(run.Messages),9:N0} msg/s; CPU µs/msg {run.Consume.CpuMicrosecondsPerMessage(run.Messages):0.00}; alloc B/msg {run.Consume.BytesPerMessage(run.Messages):N0}; context switches per 1,000 msg: voluntary {1000.0 * run.VoluntarySwitches / run.Messages:0.0}, involuntary {1000.0 * run.InvoluntarySwitches / run.Messages:0.0}; gen0 {run.Consume.Gen0}");
            }
        }

        return runs;
    }

    private async Task<ConsumeRun> RunSideAsync(string side, int round, int messages)
    {
        var topic = $"consume-{Sides.Option(side)}-{Interlocked.Increment(ref _topics)}-{Guid.NewGuid():N}";
        var group = $"{topic}-group";
        cluster.CreateTopic(topic, options.Partitions);
        try
        {
            var traced = side is Sides.ConveyorTraced or Sides.RawTraced;
            RawKafka.Produce(cluster.BootstrapServers, topic, messages, withConveyorHeaders: true, withTraceParent: traced);
            var counter = new HandledCounter();
            if (side is Sides.Raw or Sides.RawTraced)
            {
                using var rawTelemetry = traced ? new ConveyorOpenTelemetry(RawKafkaTracing.SourceName) : null;
                Settle();
                Console.WriteLine($"  consuming: {side} round {round}");
                var before = ContextSwitches.Read();
                var consume = await Task.Run(() => RawKafka.Consume(cluster.BootstrapServers, topic, group, messages, counter.Handle, traced)).ConfigureAwait(false);
                var switches = ContextSwitches.Read() - before;
                return new ConsumeRun(side, round, messages, consume, switches.Voluntary, switches.Involuntary);
            }

            using var telemetry = traced ? new ConveyorOpenTelemetry() : null;
            var app = ConveyorApp.Build(cluster, topic, group, c => c.AddHandler<OrderPlacedHandler>(), s => s.AddSingleton(counter));
            await using (app.ConfigureAwait(false))
            {
                var runner = app.GetRequiredService<IConsumerRunner>();
                Settle();
                Console.WriteLine($"  consuming: {side} round {round}");
                var before = ContextSwitches.Read();
                _allocations?.Start();
                var clock = PhaseClock.Start();
                var result = await runner.RunAsync(ConveyorApp.Channel, new ConsumerRunOptions { MaxMessages = messages }).ConfigureAwait(false);
                var consume = clock.Stop();
                var switches = ContextSwitches.Read() - before;
                if (_allocations is not null && round > 0)
                {
                    Console.WriteLine($"  allocated by type (sampled), {side} round {round}:{Environment.NewLine}{string.Join(Environment.NewLine, _allocations.Stop(25, messages))}");
                }

                await Task.Yield();
                if (result.Finished != messages || counter.Count != messages)
                {
                    throw new InvalidOperationException($"{side} run finished {result.Finished} of {messages} messages, handled {counter.Count} ({result.StopReason}).");
                }

                return new ConsumeRun(side, round, messages, consume, switches.Voluntary, switches.Involuntary);
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

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    internal readonly record struct Switches(long Voluntary, long Involuntary)
    {
        public static Switches operator -(Switches a, Switches b) => new(a.Voluntary - b.Voluntary, a.Involuntary - b.Involuntary);
    }

    /// <summary>The process's context switches so far, every thread's including those that ended (<c>getrusage(RUSAGE_SELF)</c>).</summary>
    internal static partial class ContextSwitches
    {
        public static Switches Read()
        {
            if (!OperatingSystem.IsLinux())
            {
                return default;
            }

            // struct rusage on 64-bit Linux: two timevals (4 longs), then 14 longs; ru_nvcsw and ru_nivcsw are the last two.
            Span<long> usage = stackalloc long[18];
            unsafe
            {
                fixed (long* pointer = usage)
                {
                    if (GetResourceUsage(0, pointer) != 0)
                    {
                        return default;
                    }
                }
            }

            return new Switches(usage[16], usage[17]);
        }

        [LibraryImport("libc", EntryPoint = "getrusage")]
        private static unsafe partial int GetResourceUsage(int who, long* usage);
    }
}
