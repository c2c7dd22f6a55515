using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>Counts what the Conveyor handler received.</summary>
public sealed class HandledCounter
{
    private long _count;
    private long _checksum;
    private long _first;
    private long _last;

    /// <summary>When the first and the last message were handled (Stopwatch timestamps).</summary>
    public (long First, long Last) Span => (Interlocked.Read(ref _first), Interlocked.Read(ref _last));

    public long Count => Interlocked.Read(ref _count);

    public long Checksum => Interlocked.Read(ref _checksum);

    public void Handle(OrderPlaced order)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (Interlocked.Increment(ref _count) == 1)
        {
            Interlocked.Exchange(ref _first, now);
        }

        Interlocked.Add(ref _checksum, order.Sequence);
        Interlocked.Exchange(ref _last, now);
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

    public Phase EndToEnd => Produce + Consume;
}

/// <summary>
/// Raw Confluent.Kafka against Conveyor on identical fresh topics of the same cluster: produce N keyed ~200-byte JSON
/// records, then consume and commit all of them; rounds alternate which side goes first.
/// </summary>
internal sealed class ThroughputScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    private int _topics;

    public async Task<List<ThroughputRun>> RunAsync()
    {
        var warmUp = Math.Max(1_000, options.Messages / 5);
        Console.WriteLine($"Warm-up: raw and Conveyor, {warmUp} messages each (not reported)...");
        var raw = options.Sides is "both" or "raw";
        var conveyor = options.Sides is "both" or "conveyor";
        if (raw)
        {
            await RawAsync(0, warmUp).ConfigureAwait(false);
        }

        if (conveyor)
        {
            await ConveyorAsync(0, warmUp).ConfigureAwait(false);
        }

        var runs = new List<ThroughputRun>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            var rawFirst = round % 2 == 1;
            for (var turn = 0; turn < 2; turn++)
            {
                if (((turn == 0) == rawFirst && !raw) || ((turn == 0) != rawFirst && !conveyor))
                {
                    continue;
                }

                var run = (turn == 0) == rawFirst
                    ? await RawAsync(round, options.Messages).ConfigureAwait(false)
                    : await ConveyorAsync(round, options.Messages).ConfigureAwait(false);
                runs.Add(run);
                Console.WriteLine(
                    $"  round {round} {run.Side,-8}: produce {run.Produce.PerSecond(run.Messages),9:N0} msg/s, consume {run.Consume.PerSecond(run.Messages),9:N0} msg/s, end to end {run.EndToEnd.PerSecond(run.Messages),9:N0} msg/s; CPU µs/msg produce {run.Produce.CpuMicrosecondsPerMessage(run.Messages):0.0} consume {run.Consume.CpuMicrosecondsPerMessage(run.Messages):0.0}; consume = {run.Breakdown.ToFirst.TotalSeconds:0.000} s to first + {run.Breakdown.Handling.TotalSeconds:0.000} s handling + {run.Breakdown.AfterLast.TotalSeconds:0.000} s after last");
            }
        }

        return runs;
    }

    private string FreshTopic(string side)
    {
        var topic = $"throughput-{side}-{Interlocked.Increment(ref _topics)}-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, options.Partitions);
        return topic;
    }

    private async Task<ThroughputRun> RawAsync(int round, int messages)
    {
        var topic = FreshTopic("raw");
        var group = $"{topic}-group";
        try
        {
            Settle();
            var produce = RawKafka.Produce(cluster.BootstrapServers, topic, messages, options.RawHeaders);
            Settle();
            var counter = new HandledCounter();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var consume = await Task.Run(() => RawKafka.Consume(cluster.BootstrapServers, topic, group, messages, counter.Handle)).ConfigureAwait(false);
            Verify("raw", messages, counter.Count, counter.Checksum, RawKafka.Committed(cluster.BootstrapServers, topic, group, options.Partitions));
            return new ThroughputRun("raw", round, messages, produce, consume, Breakdown(started, consume, counter))
            {
                RecordSize = RawKafka.FirstRecordSize(cluster.BootstrapServers, topic),
            };
        }
        finally
        {
            Delete(topic);
        }
    }

    private async Task<ThroughputRun> ConveyorAsync(int round, int messages)
    {
        var topic = FreshTopic("conveyor");
        var group = $"{topic}-group";
        var counter = new HandledCounter();
        try
        {
            var app = ConveyorApp.Build(cluster, topic, group, c => c.AddHandler<OrderPlacedHandler>(), s => s.AddSingleton(counter));
            await using (app.ConfigureAwait(false))
            {
                var bus = app.GetRequiredService<IEventBus>();
                var runner = app.GetRequiredService<IConsumerRunner>();

                Settle();
                var clock = PhaseClock.Start();
                await ConveyorApp.SendWindowedAsync(messages, options.SendWindow, i => bus.PublishAsync(OrderPlaced.Create(i))).ConfigureAwait(false);
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
                    throw new InvalidOperationException($"Conveyor run finished {result.Finished} of {messages} messages ({result.StopReason}).");
                }

                Verify("Conveyor", messages, counter.Count, counter.Checksum, RawKafka.Committed(cluster.BootstrapServers, topic, group, options.Partitions));
                return new ThroughputRun("Conveyor", round, messages, produce, consume, Breakdown(started, consume, counter))
                {
                    RecordSize = RawKafka.FirstRecordSize(cluster.BootstrapServers, topic),
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
    private static void Settle()
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
