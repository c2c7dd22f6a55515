using System.Diagnostics;
using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>
/// Checks per-key order while handlers run: a key's handler must start only after the previous one of that key
/// ended, with the next sequence number. Also records when handling began and ended, how many handlers overlapped
/// and how long each 1 ms wait really took.
/// </summary>
public sealed class KeyOrderTracker
{
    private readonly int[] _next;
    private readonly int[] _running;
    private readonly long[] _waits;
    private long _handled;
    private long _violations;
    private int _inFlight;
    private long _maxInFlight;
    private long _first = long.MaxValue;
    private long _last;
    private string? _firstViolation;

    public KeyOrderTracker(int keys, int messages)
    {
        _next = new int[keys];
        _running = new int[keys];
        _waits = new long[messages];
    }

    public long Handled => Interlocked.Read(ref _handled);

    public long Violations => Interlocked.Read(ref _violations);

    public string? FirstViolation => _firstViolation;

    public int MaxInFlight => (int)Interlocked.Read(ref _maxInFlight);

    /// <summary>From the first handler's start to the last handler's end.</summary>
    public TimeSpan HandlingWindow => Stopwatch.GetElapsedTime(_first, _last);

    public bool AllKeysComplete(int keys, int messages) =>
        Enumerable.Range(0, keys).All(k => _next[k] == (messages / keys) + (k < messages % keys ? 1 : 0));

    public double[] SortedWaitsMs()
    {
        var count = (int)Math.Min(Handled, _waits.Length);
        return _waits.Take(count).Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
    }

    public long Start(KeyedWork work)
    {
        var now = Stopwatch.GetTimestamp();
        InterlockedMin(ref _first, now);
        if (Interlocked.Increment(ref _running[work.Key]) != 1)
        {
            Violation($"key {work.Key}: sequence {work.Sequence} started while another message of the key was running");
        }

        var expected = Interlocked.Exchange(ref _next[work.Key], work.Sequence + 1);
        if (expected != work.Sequence)
        {
            Violation($"key {work.Key}: sequence {work.Sequence} handled when {expected} was next");
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, inFlight);
        return now;
    }

    public void End(KeyedWork work, long started, long waitTicks)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Decrement(ref _running[work.Key]);
        var index = Interlocked.Increment(ref _handled) - 1;
        if (index < _waits.Length)
        {
            _waits[index] = waitTicks;
        }

        InterlockedMax(ref _last, Stopwatch.GetTimestamp());
        _ = started;
    }

    private void Violation(string what)
    {
        Interlocked.Increment(ref _violations);
        Interlocked.CompareExchange(ref _firstViolation, what, null);
    }

    private static void InterlockedMin(ref long target, long value) => Replace(ref target, value, whenLower: true);

    private static void InterlockedMax(ref long target, long value) => Replace(ref target, value, whenLower: false);

    /// <summary>Sets <paramref name="target"/> to <paramref name="value"/> when it is lower (or higher), racing other threads.</summary>
    private static void Replace(ref long target, long value, bool whenLower)
    {
        var current = Volatile.Read(ref target);
        while (whenLower ? value < current : value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>The 1 ms handler of the key-parallel scenario.</summary>
public sealed class KeyedWorkHandler(KeyOrderTracker tracker, PreciseDelayHolder delay)
{
    private static readonly TimeSpan Work = TimeSpan.FromMilliseconds(1);

    [Asynchronous(ConveyorApp.Channel)]
    [EventHandler(EndpointId = "bench.keyed-work.handle")]
    public async Task Handle(KeyedWork work)
    {
        var started = tracker.Start(work);
        await delay.Delay.WaitAsync(Work).ConfigureAwait(false);
        tracker.End(work, started, Stopwatch.GetTimestamp() - started);
    }
}

/// <summary>Wraps the internal delay for DI into the public handler.</summary>
public sealed class PreciseDelayHolder
{
    internal PreciseDelayHolder(PreciseDelay delay) => Delay = delay;

    internal PreciseDelay Delay { get; }
}

/// <summary>One consumption of a key-parallel topic: Conveyor in <paramref name="Mode"/>, or Wolverine when <paramref name="Side"/> says so.</summary>
internal sealed record KeyParallelRun(
    string Side, KafkaOrderingMode Mode, int Round, int Messages, TimeSpan Consume, TimeSpan HandlingWindow, int MaxInFlight, double[] SortedWaitsMs)
{
    /// <summary>Per-key order violations seen (Conveyor's runs throw on the first).</summary>
    public long Violations { get; init; }

    /// <summary>The records the group had committed when its consumer stopped.</summary>
    public long Committed { get; init; } = Messages;

    public double ConsumePerSecond => Messages / Consume.TotalSeconds;

    public double HandlingPerSecond => Messages / HandlingWindow.TotalSeconds;
}

internal sealed record WaitProbe(string Name, double[] SortedMs);

/// <summary>
/// The same topic (few partitions, many keys, 1 ms handler) consumed by Conveyor partition-sequentially and
/// key-parallel, each in its own consumer group; per-key order is checked in both.
/// </summary>
internal sealed class KeyParallelScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    /// <summary>WolverineFx.Kafka's ordered-parallel listener, with the most slots it offers.</summary>
    public const string WolverineSide = "Wolverine ProcessConcurrentlyByKey(Nine)";

    public static async Task<List<WaitProbe>> ProbeWaitsAsync(PreciseDelay delay)
    {
        const int Samples = 300;
        var taskDelay = new double[Samples];
        var precise = new double[Samples];
        for (var i = 0; i < Samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(1).ConfigureAwait(false);
            taskDelay[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            await delay.WaitAsync(TimeSpan.FromMilliseconds(1)).ConfigureAwait(false);
            precise[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return [new WaitProbe("await Task.Delay(1)", [.. taskDelay.Order()]), new WaitProbe("await PreciseDelay.WaitAsync(1 ms)", [.. precise.Order()])];
    }

    public async Task<List<KeyParallelRun>> RunAsync(PreciseDelay delay)
    {
        Console.WriteLine($"Warm-up: every side, {Math.Min(2_000, options.KeyParallelMessages)} messages (not reported)...");
        await RoundAsync(0, Math.Min(2_000, options.KeyParallelMessages), delay).ConfigureAwait(false);

        var runs = new List<KeyParallelRun>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            runs.AddRange(await RoundAsync(round, options.KeyParallelMessages, delay).ConfigureAwait(false));
        }

        return runs;
    }

    private async Task<List<KeyParallelRun>> RoundAsync(int round, int messages, PreciseDelay delay)
    {
        var topic = $"keyparallel-{round}-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, options.KeyParallelPartitions);
        var groups = new List<string>();
        try
        {
            await ProduceAsync(topic, messages, delay).ConfigureAwait(false);
            string[] sides = [nameof(KafkaOrderingMode.PartitionSequential), nameof(KafkaOrderingMode.KeyParallel), WolverineSide];
            var runs = new List<KeyParallelRun>();
            for (var turn = 0; turn < sides.Length; turn++)
            {
                var side = sides[(Math.Max(round, 1) - 1 + turn) % sides.Length];
                var group = $"{topic}-{side.Replace(' ', '-')}";
                groups.Add(group);
                var run = side == WolverineSide
                    ? await ConsumeWithWolverineAsync(topic, group, round, messages, delay).ConfigureAwait(false)
                    : await ConsumeAsync(topic, group, Enum.Parse<KafkaOrderingMode>(side), round, messages, delay).ConfigureAwait(false);
                if (round > 0)
                {
                    Console.WriteLine(
                        $"  round {round} {side,-28}: {run.HandlingPerSecond,9:N0} msg/s handling ({run.ConsumePerSecond,9:N0} msg/s wall), max {run.MaxInFlight} handlers at once, wait p50 {Stats.Percentile(run.SortedWaitsMs, 0.5):0.000} ms");
                }

                runs.Add(run);
            }

            return runs;
        }
        finally
        {
            foreach (var name in groups.SelectMany(g => ConveyorApp.TopicsOf(topic, g)).Distinct())
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

    private async Task ProduceAsync(string topic, int messages, PreciseDelay delay)
    {
        // The producing application knows the handler too: an event is published to the endpoints that subscribe to it.
        var app = ConveyorApp.Build(
            cluster,
            topic,
            $"{topic}-producer",
            c => c.AddHandler<KeyedWorkHandler>(),
            s => s.AddSingleton(new KeyOrderTracker(1, 1)).AddSingleton(new PreciseDelayHolder(delay)));
        await using (app.ConfigureAwait(false))
        {
            var bus = app.GetRequiredService<IEventBus>();
            var keys = options.KeyParallelKeys;
            var note = new string('x', 120);

            // The first send alone: it makes the channel look its topic up, after which sends start in call order,
            // so each key's messages reach their partition in sequence order.
            await bus.PublishAsync(new KeyedWork(0, 0, note), Key(0)).ConfigureAwait(false);
            await ConveyorApp.SendWindowedAsync(messages - 1, options.SendWindow, j =>
            {
                var i = j + 1;
                return bus.PublishAsync(new KeyedWork(i % keys, i / keys, note), Key(i % keys));
            }).ConfigureAwait(false);
        }

        static Dictionary<string, string> Key(int key) => new() { [MessageHeaderNames.PartitionKey] = $"key-{key:D5}" };
    }

    private async Task<KeyParallelRun> ConsumeAsync(string topic, string group, KafkaOrderingMode mode, int round, int messages, PreciseDelay delay)
    {
        var tracker = new KeyOrderTracker(options.KeyParallelKeys, messages);
        var consuming = new KafkaConsumerOptions { Ordering = mode, MaxDegreeOfParallelism = options.KeyParallelDegree };
        var app = ConveyorApp.Build(
            cluster,
            topic,
            group,
            c => c.AddHandler<KeyedWorkHandler>(),
            s => s.AddSingleton(tracker).AddSingleton(new PreciseDelayHolder(delay)),
            consuming);
        await using (app.ConfigureAwait(false))
        {
            var runner = app.GetRequiredService<IConsumerRunner>();
            var start = Stopwatch.GetTimestamp();
            var result = await runner.RunAsync(ConveyorApp.Channel, new ConsumerRunOptions { StopWhenEmpty = true }).ConfigureAwait(false);
            var consume = Stopwatch.GetElapsedTime(start);

            // RunAsync completes on the consumer's poll thread; go on on the thread pool.
            await Task.Yield();

            if (tracker.Violations > 0)
            {
                throw new InvalidOperationException($"{mode}: {tracker.Violations} per-key order violation(s); first: {tracker.FirstViolation}");
            }

            if (result.Finished != messages || tracker.Handled != messages || !tracker.AllKeysComplete(options.KeyParallelKeys, messages))
            {
                throw new InvalidOperationException($"{mode}: handled {tracker.Handled}, finished {result.Finished} of {messages} ({result.StopReason}).");
            }

            var committed = RawKafka.Committed(cluster.BootstrapServers, topic, group, options.KeyParallelPartitions);
            if (committed != messages)
            {
                throw new InvalidOperationException($"{mode}: committed {committed} of {messages}.");
            }

            return new KeyParallelRun(mode.ToString(), mode, round, messages, consume, tracker.HandlingWindow, tracker.MaxInFlight, tracker.SortedWaitsMs());
        }
    }

    /// <summary>
    /// The same topic consumed by a WolverineFx.Kafka listener with <c>ProcessConcurrentlyByKey(PartitionSlots.Nine)</c>:
    /// timed from the host's start until every message was handled and the host stopped. Per-key order is checked
    /// like Conveyor's; a violation is reported, not thrown, since it is the peer's behaviour being measured.
    /// </summary>
    private async Task<KeyParallelRun> ConsumeWithWolverineAsync(string topic, string group, int round, int messages, PreciseDelay delay)
    {
        var tracker = new KeyOrderTracker(options.KeyParallelKeys, messages);
        var start = Stopwatch.GetTimestamp();
        var host = await WolverineApp.StartListenerAsync<WolverineKeyedWorkHandler>(
            cluster,
            topic,
            group,
            // The records are Conveyor's (JSON with Conveyor's headers): Wolverine reads them as raw JSON of one type.
            l => l.ReceiveRawJson<KeyedWork>(new System.Text.Json.JsonSerializerOptions(Json.Options)).ProcessConcurrentlyByKey(Wolverine.Configuration.PartitionSlots.Nine),
            s => s.AddSingleton(tracker).AddSingleton(new PreciseDelayHolder(delay))).ConfigureAwait(false);
        try
        {
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 180);
            while (tracker.Handled < messages)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"{WolverineSide}: handled {tracker.Handled} of {messages} in 3 minutes.");
                }

                await Task.Delay(10).ConfigureAwait(false);
            }
        }
        finally
        {
            await host.StopAsync().ConfigureAwait(false);
            host.Dispose();
        }

        var consume = Stopwatch.GetElapsedTime(start);
        if (tracker.Violations > 0)
        {
            Console.WriteLine($"  {WolverineSide}: {tracker.Violations} per-key order violation(s); first: {tracker.FirstViolation}");
        }

        return new KeyParallelRun(WolverineSide, KafkaOrderingMode.KeyParallel, round, messages, consume, tracker.HandlingWindow, tracker.MaxInFlight, tracker.SortedWaitsMs())
        {
            Violations = tracker.Violations,
            Committed = RawKafka.Committed(cluster.BootstrapServers, topic, group, options.KeyParallelPartitions),
        };
    }
}
