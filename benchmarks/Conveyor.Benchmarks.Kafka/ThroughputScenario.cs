using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>Counts what a side's handler received.</summary>
public sealed class HandledCounter
{
    private long _count;
    private long _checksum;
    private long _first;
    private long _last;
    private long _target = -1;
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When the first and the last message were handled (Stopwatch timestamps).</summary>
    public (long First, long Last) Span => (Interlocked.Read(ref _first), Interlocked.Read(ref _last));

    public long Count => Interlocked.Read(ref _count);

    public long Checksum => Interlocked.Read(ref _checksum);

    /// <summary>Completes when <paramref name="target"/> messages were handled.</summary>
    public Task Reached(long target)
    {
        _target = target;
        return _reached.Task;
    }

    public void Handle(OrderPlaced order)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var count = Interlocked.Increment(ref _count);
        if (count == 1)
        {
            Interlocked.Exchange(ref _first, now);
        }

        Interlocked.Add(ref _checksum, order.Sequence);
        Interlocked.Exchange(ref _last, now);
        if (count == Volatile.Read(ref _target))
        {
            _reached.TrySetResult();
        }
    }
}

/// <summary>The trivial Conveyor handler of the throughput scenario: an asynchronous event handler on the Kafka channel.</summary>
public sealed class OrderPlacedHandler(HandledCounter counter)
{
    [Asynchronous(ConveyorApp.Channel)]
    [EventHandler(EndpointId = "bench.order-placed.count")]
    public void Handle(OrderPlaced order) => counter.Handle(order);
}

/// <summary>Where a consume phase's time went: until the first message was handled, handling, after the last one.</summary>
internal readonly record struct ConsumeBreakdown(TimeSpan ToFirst, TimeSpan Handling, TimeSpan AfterLast);

/// <summary>One run of one side: produce N, then consume N, on a fresh topic.</summary>
internal sealed record ThroughputRun(string Side, int Round, int Messages, Phase Produce, Phase Consume, ConsumeBreakdown Breakdown)
{
    /// <summary>Key, value and header bytes of one record, and its number of headers.</summary>
    public (int Key, int Value, int Headers, int HeaderCount) RecordSize { get; init; }

    /// <summary>The records the side's group had committed when its consumer stopped.</summary>
    public long Committed { get; init; }

    public Phase EndToEnd => Produce + Consume;
}

/// <summary>The sides of the throughput scenario, in the order of round 1; later rounds rotate it.</summary>
internal static class Sides
{
    public const string Raw = "raw";
    public const string Conveyor = "Conveyor";
    public const string ConveyorBatch = "Conveyor batch";
    public const string WolverineBuffered = "Wolverine buffered";
    public const string WolverineInline = "Wolverine inline";

    /// <summary>
    /// The Conveyor side with the OpenTelemetry SDK wired for its runs only (traces and metrics, no exporter): run beside
    /// <see cref="Conveyor"/> with <c>--sides raw,conveyor,conveyor-traced</c>, the two interleaved round by round.
    /// Not part of <see cref="All"/>, the comparison with the peers.
    /// </summary>
    public const string ConveyorTraced = "Conveyor traced";

    /// <summary>
    /// The raw loop traced by hand with the same SDK wired (<see cref="RawKafkaTracing"/>): the baseline of
    /// <see cref="ConveyorTraced"/>, so that Conveyor traced / raw traced is the end-to-end ratio with instrumentation on.
    /// Not part of <see cref="All"/>.
    /// </summary>
    public const string RawTraced = "raw traced";

    public static readonly string[] All = [Raw, Conveyor, ConveyorBatch, WolverineBuffered, WolverineInline];

    /// <summary>The sides of the traced comparison: each baseline untraced and traced (<c>--sides raw,raw-traced,conveyor,conveyor-traced</c>).</summary>
    public static readonly string[] Traced = [Raw, RawTraced, Conveyor, ConveyorTraced];

    /// <summary>Every side <c>--sides</c> can name.</summary>
    public static readonly string[] Known = [.. All, ConveyorTraced, RawTraced];

    /// <summary>The command-line name of a side: <c>conveyor-batch</c> for "Conveyor batch".</summary>
    public static string Option(string side) => side.ToLowerInvariant().Replace(' ', '-');
}

/// <summary>
/// Raw Confluent.Kafka, Conveyor (publishing one by one and with the batch API) and WolverineFx.Kafka (buffered and
/// inline listeners) on identical fresh topics of the same cluster: produce N keyed ~200-byte JSON records, then
/// consume and commit all of them. Rounds interleave the sides, each round starting one side later than the last.
/// </summary>
internal sealed class ThroughputScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    private int _topics;

    public async Task<List<ThroughputRun>> RunAsync()
    {
        var sides = Sides.Known.Where(options.RunsSide).ToArray();
        var warmUp = options.WarmUpMessages;
        Console.WriteLine($"Warm-up: {string.Join(", ", sides)}, {warmUp:N0} messages each (not reported)...");
        foreach (var side in sides)
        {
            await RunSideAsync(side, 0, warmUp).ConfigureAwait(false);
        }

        var runs = new List<ThroughputRun>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            for (var turn = 0; turn < sides.Length; turn++)
            {
                var run = await RunSideAsync(sides[(round - 1 + turn) % sides.Length], round, options.Messages).ConfigureAwait(false);
                runs.Add(run);
                Console.WriteLine(
                    $"  round {round} {run.Side,-18}: produce {run.Produce.PerSecond(run.Messages),9:N0} msg/s, consume {run.Consume.PerSecond(run.Messages),9:N0} msg/s, end to end {run.EndToEnd.PerSecond(run.Messages),9:N0} msg/s; CPU µs/msg produce {run.Produce.CpuMicrosecondsPerMessage(run.Messages):0.0} consume {run.Consume.CpuMicrosecondsPerMessage(run.Messages):0.0}; alloc B/msg produce {run.Produce.BytesPerMessage(run.Messages):N0} consume {run.Consume.BytesPerMessage(run.Messages):N0}; consume = {run.Breakdown.ToFirst.TotalSeconds:0.000} s to first + {run.Breakdown.Handling.TotalSeconds:0.000} s handling + {run.Breakdown.AfterLast.TotalSeconds:0.000} s after last; committed {run.Committed:N0}");
            }
        }

        return runs;
    }

    private Task<ThroughputRun> RunSideAsync(string side, int round, int messages) => side switch
    {
        Sides.Raw => RawAsync(round, messages),
        Sides.RawTraced => RawAsync(round, messages, traced: true),
        Sides.Conveyor => ConveyorAsync(round, messages, batch: false),
        Sides.ConveyorTraced => ConveyorAsync(round, messages, batch: false, traced: true),
        Sides.ConveyorBatch => ConveyorAsync(round, messages, batch: true),
        Sides.WolverineBuffered => WolverineAsync(round, messages, WolverineMode.Buffered),
        _ => WolverineAsync(round, messages, WolverineMode.Inline),
    };

    private string FreshTopic(string side)
    {
        var topic = $"throughput-{Sides.Option(side)}-{Interlocked.Increment(ref _topics)}-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, options.Partitions);
        return topic;
    }

    private async Task<ThroughputRun> RawAsync(int round, int messages, bool traced = false)
    {
        var side = traced ? Sides.RawTraced : Sides.Raw;
        var topic = FreshTopic(side);
        var group = $"{topic}-group";

        // Wired for this run only, as for Conveyor traced.
        using var telemetry = traced ? new ConveyorOpenTelemetry(RawKafkaTracing.SourceName) : null;
        try
        {
            Settle();
            var produce = RawKafka.Produce(cluster.BootstrapServers, topic, messages, options.RawHeaders, traced: traced);
            Settle();
            var counter = new HandledCounter();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var consume = await Task.Run(() => RawKafka.Consume(cluster.BootstrapServers, topic, group, messages, counter.Handle, traced)).ConfigureAwait(false);
            var committed = RawKafka.Committed(cluster.BootstrapServers, topic, group, options.Partitions);
            Verify(side, messages, counter.Count, counter.Checksum, committed);
            return new ThroughputRun(side, round, messages, produce, consume, Breakdown(started, consume, counter))
            {
                RecordSize = RawKafka.FirstRecordSize(cluster.BootstrapServers, topic),
                Committed = committed,
            };
        }
        finally
        {
            Delete(topic);
        }
    }

    private async Task<ThroughputRun> ConveyorAsync(int round, int messages, bool batch, bool traced = false)
    {
        var side = batch ? Sides.ConveyorBatch : traced ? Sides.ConveyorTraced : Sides.Conveyor;
        var topic = FreshTopic(side);
        var group = $"{topic}-group";
        var counter = new HandledCounter();

        // Wired for this run only: the SDK's listeners are process-wide, and the sides run one at a time.
        using var telemetry = traced ? new ConveyorOpenTelemetry() : null;
        try
        {
            var app = ConveyorApp.Build(cluster, topic, group, c => c.AddHandler<OrderPlacedHandler>(), s => s.AddSingleton(counter));
            await using (app.ConfigureAwait(false))
            {
                var bus = app.GetRequiredService<IEventBus>();
                var runner = app.GetRequiredService<IConsumerRunner>();

                Settle();
                var clock = PhaseClock.Start();
                await PublishAsync(bus, messages, batch, options.SendWindow).ConfigureAwait(false);
                var produce = clock.Stop();

                Settle();
                clock = PhaseClock.Start();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var result = await runner.RunAsync(ConveyorApp.Channel, new ConsumerRunOptions { MaxMessages = messages }).ConfigureAwait(false);
                var consume = clock.Stop();

                // RunAsync completes on the consumer's poll thread; go on on the thread pool.
                await Task.Yield();

                if (result.Finished != messages)
                {
                    throw new InvalidOperationException($"{side} run finished {result.Finished} of {messages} messages ({result.StopReason}).");
                }

                var committed = RawKafka.Committed(cluster.BootstrapServers, topic, group, options.Partitions);
                Verify(side, messages, counter.Count, counter.Checksum, committed);
                return new ThroughputRun(side, round, messages, produce, consume, Breakdown(started, consume, counter))
                {
                    RecordSize = RawKafka.FirstRecordSize(cluster.BootstrapServers, topic),
                    Committed = committed,
                };
            }
        }
        finally
        {
            foreach (var name in ConveyorApp.TopicsOf(topic, group))
            {
                Delete(name);
            }
        }
    }

    /// <summary>
    /// Publishes orders 0..<paramref name="messages"/>-1 through <paramref name="bus"/>, completing when every one was
    /// acknowledged: one by one with up to <paramref name="window"/> sends in flight, or with <c>PublishManyAsync</c>.
    /// </summary>
    public static async Task PublishAsync(IEventBus bus, int messages, bool batch, int window)
    {
        if (!batch)
        {
            await ConveyorApp.SendWindowedAsync(messages, window, i => bus.PublishAsync(OrderPlaced.Create(i))).ConfigureAwait(false);
            return;
        }

        // As a high-rate producer would: batches of half the send window, the next one handed over while the previous
        // one's acknowledgements arrive, so at most a window of records is in flight, as in the one-by-one run.
        var size = Math.Max(1, window / 2);
        Task previous = Task.CompletedTask;
        for (var start = 0; start < messages; start += size)
        {
            var orders = new OrderPlaced[Math.Min(size, messages - start)];
            for (var i = 0; i < orders.Length; i++)
            {
                orders[i] = OrderPlaced.Create(start + i);
            }

            var sending = bus.PublishManyAsync(orders).AsTask();
            await previous.ConfigureAwait(false);
            previous = sending;
        }

        await previous.ConfigureAwait(false);
    }

    /// <summary>
    /// Produce: a sending host publishes every order (its default sending mode), timed until the last record is in the
    /// log. Consume: a listening host is started, timed until the last order was handled and the host stopped (which
    /// flushes its stored offsets). The offsets it committed are recorded, not required: see the report.
    /// </summary>
    private async Task<ThroughputRun> WolverineAsync(int round, int messages, WolverineMode mode)
    {
        var side = mode == WolverineMode.Inline ? Sides.WolverineInline : Sides.WolverineBuffered;
        var topic = FreshTopic(side);
        var group = $"{topic}-group";
        var counter = new HandledCounter();
        try
        {
            var sender = await WolverineApp.StartSenderAsync(cluster, topic).ConfigureAwait(false);
            Phase produce;
            try
            {
                var bus = sender.Services.GetRequiredService<Wolverine.IMessageBus>();
                Settle();
                var clock = PhaseClock.Start();
                for (var i = 0; i < messages; i++)
                {
                    await WolverineApp.PublishAsync(bus, OrderPlaced.Create(i)).ConfigureAwait(false);
                }

                await RawKafka.WaitForRecordsAsync(cluster.BootstrapServers, topic, options.Partitions, messages, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                produce = clock.Stop();
            }
            finally
            {
                await sender.StopAsync().ConfigureAwait(false);
                sender.Dispose();
            }

            Settle();
            var handled = counter.Reached(messages);
            var consumeClock = PhaseClock.Start();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var listener = await WolverineApp.StartListenerAsync<WolverineOrderPlacedHandler>(
                cluster, topic, group, l => WolverineApp.Mode(l, mode), s => s.AddSingleton(counter)).ConfigureAwait(false);
            try
            {
                await handled.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            }
            finally
            {
                await listener.StopAsync().ConfigureAwait(false);
                listener.Dispose();
            }

            var consume = consumeClock.Stop();
            var committed = RawKafka.Committed(cluster.BootstrapServers, topic, group, options.Partitions);
            Verify(side, messages, counter.Count, counter.Checksum, committed: messages);
            return new ThroughputRun(side, round, messages, produce, consume, Breakdown(started, consume, counter))
            {
                RecordSize = RawKafka.FirstRecordSize(cluster.BootstrapServers, topic),
                Committed = committed,
            };
        }
        finally
        {
            Delete(topic);
        }
    }

    private static ConsumeBreakdown Breakdown(long started, Phase consume, HandledCounter counter)
    {
        var (first, last) = counter.Span;
        var toFirst = System.Diagnostics.Stopwatch.GetElapsedTime(started, first);
        var handling = System.Diagnostics.Stopwatch.GetElapsedTime(first, last);
        return new ConsumeBreakdown(toFirst, handling, consume.Elapsed - toFirst - handling);
    }

    private static void Verify(string side, int messages, long handled, long checksum, long committed)
    {
        var expected = (long)messages * (messages - 1) / 2;
        if (handled != messages || checksum != expected || committed != messages)
        {
            throw new InvalidOperationException(
                $"{side}: handled {handled} of {messages} (sequence checksum {checksum}, expected {expected}), committed {committed}.");
        }
    }

    /// <summary>Starts each timed phase from the same state: no garbage pending from the previous one.</summary>
    internal static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private void Delete(string topic)
    {
        try
        {
            cluster.DeleteTopic(topic);
        }
        catch (EmbeddedKafkaException)
        {
        }
    }
}
