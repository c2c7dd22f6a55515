using System.Globalization;
using System.Text;
using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>What the batch scenario's handlers received, and the work each call models.</summary>
public sealed class BatchWorkCounter
{
    private readonly TimeSpan _work;
    private readonly PreciseDelay _delay;
    private long _count;
    private long _checksum;
    private long _calls;

    internal BatchWorkCounter(TimeSpan work, PreciseDelay delay)
    {
        _work = work;
        _delay = delay;
    }

    public long Count => Interlocked.Read(ref _count);

    public long Checksum => Interlocked.Read(ref _checksum);

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Counts one order; then, when the run models work, waits for it.</summary>
    public Task HandleAsync(OrderPlaced order)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _checksum, order.Sequence);
        return _work > TimeSpan.Zero ? _delay.WaitAsync(_work) : Task.CompletedTask;
    }

    /// <summary>Counts the orders; then, when the run models work, waits for it: one round trip per call, whatever its size.</summary>
    public Task HandleAsync(IReadOnlyList<OrderPlaced> orders)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _count, orders.Count);
        long sum = 0;
        foreach (var order in orders)
        {
            sum += order.Sequence;
        }

        Interlocked.Add(ref _checksum, sum);
        return _work > TimeSpan.Zero ? _delay.WaitAsync(_work) : Task.CompletedTask;
    }
}

/// <summary>The one-by-one side: one order per call.</summary>
public sealed class OneByOneOrders(BatchWorkCounter counter)
{
    [Asynchronous(ConveyorApp.Channel)]
    [EventHandler(EndpointId = "bench.batch.one-by-one")]
    public Task Handle(OrderPlaced order) => counter.HandleAsync(order);
}

/// <summary>The batch side: a partition's orders in batches.</summary>
public sealed class BatchedOrders(BatchWorkCounter counter)
{
    [Asynchronous(ConveyorApp.Channel)]
    [EventHandler(EndpointId = "bench.batch.batched")]
    public Task Handle(IReadOnlyList<OrderPlaced> orders) => counter.HandleAsync(orders);
}

/// <summary>One consume run of the batch scenario.</summary>
internal sealed record BatchRun(string Side, TimeSpan Work, int Round, int Messages, long Calls, Phase Consume);

/// <summary>
/// A batch handler (<c>IReadOnlyList&lt;OrderPlaced&gt;</c>) against the same handler taking one order per call, on a
/// Kafka channel with Conveyor's defaults otherwise: without work (what batching itself costs or saves), and with a
/// 1 ms wait per call (a database round trip: one insert per order, or one bulk insert per batch). Each run produces N
/// orders to a fresh topic with <c>PublishManyAsync</c> (not timed), then consumes them all (timed).
/// </summary>
internal sealed class BatchHandlerScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    private const string OneByOne = "one by one";
    private const string Batched = "batch";
    private int _topics;

    public async Task<List<BatchRun>> RunAsync(PreciseDelay delay)
    {
        (string Side, TimeSpan Work)[] sides =
        [
            (OneByOne, TimeSpan.Zero), (Batched, TimeSpan.Zero), (OneByOne, TimeSpan.FromMilliseconds(1)), (Batched, TimeSpan.FromMilliseconds(1)),
        ];
        foreach (var (side, work) in sides)
        {
            await RunOnceAsync(side, work, 0, Math.Max(1_000, options.BatchMessages / 5), delay).ConfigureAwait(false);
        }

        var runs = new List<BatchRun>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            // Rotated, so that no side always runs first.
            for (var i = 0; i < sides.Length; i++)
            {
                var (side, work) = sides[(i + round - 1) % sides.Length];
                var run = await RunOnceAsync(side, work, round, options.BatchMessages, delay).ConfigureAwait(false);
                Console.WriteLine($"round {round} {side,-10} work {work.TotalMilliseconds} ms: {run.Consume.PerSecond(run.Messages),9:N0} msg/s, {run.Calls:N0} calls");
                runs.Add(run);
            }
        }

        return runs;
    }

    private async Task<BatchRun> RunOnceAsync(string side, TimeSpan work, int round, int messages, PreciseDelay delay)
    {
        var topic = $"batch-{(side == Batched ? "batch" : "single")}-{Interlocked.Increment(ref _topics)}-{Guid.NewGuid():N}";
        var group = $"{topic}-group";
        cluster.CreateTopic(topic, options.Partitions);
        var counter = new BatchWorkCounter(work, delay);
        var consuming = new KafkaConsumerOptions { MaxBatchSize = options.BatchSize };
        try
        {
            var app = ConveyorApp.Build(
                cluster,
                topic,
                group,
                c => _ = side == Batched ? c.AddHandler<BatchedOrders>() : c.AddHandler<OneByOneOrders>(),
                s => s.AddSingleton(counter),
                consuming);
            await using (app.ConfigureAwait(false))
            {
                var bus = app.GetRequiredService<IEventBus>();
                const int chunk = 5_000;
                for (var start = 0; start < messages; start += chunk)
                {
                    await bus.PublishManyAsync([.. Enumerable.Range(start, Math.Min(chunk, messages - start)).Select(i => OrderPlaced.Create(i))]).ConfigureAwait(false);
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var clock = PhaseClock.Start();
                var result = await app.GetRequiredService<IConsumerRunner>()
                    .RunAsync(ConveyorApp.Channel, new ConsumerRunOptions { MaxMessages = messages }).ConfigureAwait(false);
                var consume = clock.Stop();
                await Task.Yield();

                var expected = (long)messages * (messages - 1) / 2;
                if (result.Finished != messages || counter.Count != messages || counter.Checksum != expected)
                {
                    throw new InvalidOperationException($"{side} run: finished {result.Finished}, handled {counter.Count} of {messages} (checksum {counter.Checksum}, expected {expected}).");
                }

                var committed = RawKafka.Committed(cluster.BootstrapServers, topic, group, options.Partitions);
                if (committed != messages)
                {
                    throw new InvalidOperationException($"{side} run committed {committed} of {messages} offsets.");
                }

                return new BatchRun(side, work, round, messages, counter.Calls, consume);
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

    public static string Report(List<BatchRun> runs, BenchmarkOptions options)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"{options.BatchMessages:N0} orders (~230 B of JSON) over {options.Partitions} partitions per run, {options.Rounds} measured rounds after a warm-up, medians. Consume only: from `IConsumerRunner.RunAsync(MaxMessages = N)` until it returned (drained and committed). Batch side: `MaxBatchSize` {options.BatchSize}, `MaxBatchWait` 100 ms (the default); both sides `PartitionSequential` (the default).");
        text.AppendLine();
        text.AppendLine("| work per call | handler | consumed msg/s | each round | handler calls | messages per call | CPU µs/msg | allocated B/msg | batch ÷ one by one |");
        text.AppendLine("|---|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (var work in runs.Select(r => r.Work).Distinct())
        {
            var single = Stats.Median(runs.Where(r => r.Work == work && r.Side == OneByOne).Select(r => r.Consume.PerSecond(r.Messages)));
            foreach (var side in new[] { OneByOne, Batched })
            {
                var of = runs.Where(r => r.Work == work && r.Side == side).ToList();
                var rate = Stats.Median(of.Select(r => r.Consume.PerSecond(r.Messages)));
                var calls = Stats.Median(of.Select(r => (double)r.Calls));
                text.AppendLine(invariant, $"| {(work == TimeSpan.Zero ? "none" : $"{work.TotalMilliseconds:0} ms wait")} | {side} | {rate:N0} | {string.Join(" / ", of.OrderBy(r => r.Round).Select(r => r.Consume.PerSecond(r.Messages).ToString("N0", invariant)))} | {calls:N0} | {options.BatchMessages / calls:N1} | {Stats.Median(of.Select(r => r.Consume.CpuMicrosecondsPerMessage(r.Messages))):N1} | {Stats.Median(of.Select(r => r.Consume.BytesPerMessage(r.Messages))):N0} | {(side == Batched ? $"{rate / single:N2}x" : "")} |");
            }
        }

        text.AppendLine();
        text.AppendLine("Every run: all N orders handled (count and checksum of their sequence numbers) and N offsets committed. The one-by-one handler also claims each message id for deduplication (in memory, the default for asynchronous endpoints); a batch handler does not (`[Deduplicated]` does not apply to it: docs/kafka-consuming.md). With a 1 ms wait the one-by-one side is bound by one call at a time per partition; the batch side pays the same wait once per batch.");
        return text.ToString();
    }
}
