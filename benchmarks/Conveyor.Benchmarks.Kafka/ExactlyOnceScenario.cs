using System.Globalization;
using System.Text;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>What the consume-process-produce handler forwards for each order.</summary>
[Message("bench.order-forwarded")]
public sealed record OrderForwarded(long Sequence, string OrderId);

/// <summary>Handles an order by publishing one event to the second Kafka channel: consume, process, produce.</summary>
public sealed class ForwardingHandler(IEventBus bus, HandledCounter counter)
{
    [Asynchronous(ConveyorApp.Channel)]
    [EventHandler(EndpointId = "bench.order-placed.forward")]
    public async Task Handle(OrderPlaced order)
    {
        await bus.PublishAsync(new OrderForwarded(order.Sequence, order.OrderId)).ConfigureAwait(false);
        counter.Handle(order);
    }
}

/// <summary>The same as a batch handler: one event per order of the batch, published together.</summary>
public sealed class BatchForwardingHandler(IEventBus bus, HandledCounter counter)
{
    [Asynchronous(ConveyorApp.Channel)]
    [EventHandler(EndpointId = "bench.order-placed.forward-batch")]
    public async Task Handle(IReadOnlyList<OrderPlaced> orders)
    {
        await bus.PublishManyAsync(orders.Select(o => new OrderForwarded(o.Sequence, o.OrderId)).ToList()).ConfigureAwait(false);
        foreach (var order in orders)
        {
            counter.Handle(order);
        }
    }
}

/// <summary>Declares where <see cref="OrderForwarded"/> goes; the scenario does not consume it.</summary>
public sealed class ForwardedHandler
{
    [Asynchronous(ExactlyOnceScenario.Forwarded)]
    [EventHandler(EndpointId = "bench.order-forwarded.sink")]
    public void Handle(OrderForwarded forwarded)
    {
    }
}

/// <summary>One consume-process-produce run.</summary>
internal sealed record ExactlyOnceRun(string Mode, int Round, int Messages, Phase Consume, int Forwarded);

/// <summary>
/// Consume-process-produce at least once against exactly once: N orders are published (not timed), then the channel's
/// consumer handles them, each handler publishing one event to a second Kafka channel; timed until every order is
/// handled and committed. Exactly once: the consumer's transactions carry the events and the offsets. Each mode runs
/// with a handler of one order per call and with a batch handler (its batch's events published together). Rounds
/// rotate which mode goes first.
/// </summary>
internal sealed class ExactlyOnceScenario(EmbeddedKafkaCluster cluster, BenchmarkOptions options)
{
    public const string Forwarded = "bench-forwarded";
    private const string AtLeastOnce = "at least once";
    private const string ExactlyOnce = "exactly once";
    private const string BatchAtLeastOnce = "batch, at least once";
    private const string BatchExactlyOnce = "batch, exactly once";
    private int _topics;

    public async Task<List<ExactlyOnceRun>> RunAsync()
    {
        string[] modes = [AtLeastOnce, ExactlyOnce, BatchAtLeastOnce, BatchExactlyOnce];
        Console.WriteLine($"Warm-up: {options.WarmUpMessages:N0} messages each (not reported)...");
        foreach (var mode in modes)
        {
            await RunModeAsync(mode, 0, options.WarmUpMessages).ConfigureAwait(false);
        }

        var runs = new List<ExactlyOnceRun>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            for (var turn = 0; turn < modes.Length; turn++)
            {
                var run = await RunModeAsync(modes[(round - 1 + turn) % modes.Length], round, options.Messages).ConfigureAwait(false);
                runs.Add(run);
                Console.WriteLine($"  round {round} {run.Mode,-21}: {run.Consume.PerSecond(run.Messages),9:N0} msg/s consume-process-produce; CPU µs/msg {run.Consume.CpuMicrosecondsPerMessage(run.Messages):0.0}; forwarded {run.Forwarded:N0}");
            }
        }

        return runs;
    }

    public static string Report(List<ExactlyOnceRun> runs, BenchmarkOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{options.Messages:N0} orders over {options.Partitions} partitions per run; each handler publishes one event to a second Kafka channel ({options.Partitions} partitions). Timed: from starting the consumer until every order was handled and its offset committed. Default consumer options (commit interval 1 s, batch 5,000: one transaction per commit). The batch modes: a batch handler (`IReadOnlyList<OrderPlaced>`, default `MaxBatchSize` 100 and `MaxBatchWait` 100 ms) publishing its batch's events with `PublishManyAsync`. {options.Rounds} rounds after a warm-up, the modes rotating which goes first.");
        text.AppendLine();
        text.AppendLine("| Mode | Round | msg/s | CPU µs/msg | Allocated B/msg |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {run.Mode} | {run.Round} | {run.Consume.PerSecond(run.Messages):N0} | {run.Consume.CpuMicrosecondsPerMessage(run.Messages):0.0} | {run.Consume.BytesPerMessage(run.Messages):N0} |");
        }

        double Median(string mode, Func<ExactlyOnceRun, double> value) => Stats.Median(runs.Where(r => r.Mode == mode).Select(value));
        text.AppendLine();
        text.AppendLine("| Median | msg/s | CPU µs/msg |");
        text.AppendLine("|---|---:|---:|");
        foreach (var (handler, atLeastMode, exactlyMode) in new[] { ("one by one", AtLeastOnce, ExactlyOnce), ("batch", BatchAtLeastOnce, BatchExactlyOnce) })
        {
            var atLeast = Median(atLeastMode, r => r.Consume.PerSecond(r.Messages));
            var exactly = Median(exactlyMode, r => r.Consume.PerSecond(r.Messages));
            var cpuAtLeast = Median(atLeastMode, r => r.Consume.CpuMicrosecondsPerMessage(r.Messages));
            var cpuExactly = Median(exactlyMode, r => r.Consume.CpuMicrosecondsPerMessage(r.Messages));
            text.AppendLine(CultureInfo.InvariantCulture, $"| {atLeastMode} | {atLeast:N0} | {cpuAtLeast:0.0} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {exactlyMode} | {exactly:N0} | {cpuExactly:0.0} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {handler}: exactly once / at least once | {exactly / atLeast:0.00}x | {cpuExactly / cpuAtLeast:0.00}x |");
        }

        return text.ToString();
    }

    private async Task<ExactlyOnceRun> RunModeAsync(string mode, int round, int messages)
    {
        var n = Interlocked.Increment(ref _topics);
        var exactlyOnce = mode is ExactlyOnce or BatchExactlyOnce;
        var batches = mode is BatchAtLeastOnce or BatchExactlyOnce;
        var suffix = $"{(exactlyOnce ? "eos" : "alo")}{(batches ? "-batch" : "")}-{n}-{Guid.NewGuid():N}";
        var input = $"eos-in-{suffix}";
        var output = $"eos-out-{suffix}";
        var group = $"{input}-group";
        cluster.CreateTopic(input, options.Partitions);
        cluster.CreateTopic(output, options.Partitions);
        var counter = new HandledCounter();
        try
        {
            var app = ConveyorApp.Build(
                cluster,
                input,
                group,
                c => (batches ? c.AddHandler<BatchForwardingHandler>() : c.AddHandler<ForwardingHandler>()).AddHandler<ForwardedHandler>().AddKafkaChannel(Forwarded, output, $"{output}-group"),
                s => s.AddSingleton(counter),
                channel: o => o.ExactlyOnce = exactlyOnce);
            await using (app.ConfigureAwait(false))
            {
                var bus = app.GetRequiredService<IEventBus>();
                await ConveyorApp.SendWindowedAsync(messages, options.SendWindow, i => bus.PublishAsync(OrderPlaced.Create(i))).ConfigureAwait(false);

                GC.Collect();
                GC.WaitForPendingFinalizers();
                var clock = PhaseClock.Start();
                var result = await app.GetRequiredService<IConsumerRunner>().RunAsync(ConveyorApp.Channel, new ConsumerRunOptions { MaxMessages = messages }).ConfigureAwait(false);
                var consume = clock.Stop();
                await Task.Yield();

                var committed = RawKafka.Committed(cluster.BootstrapServers, input, group, options.Partitions);
                if (result.Finished != messages || counter.Count != messages || committed != messages)
                {
                    throw new InvalidOperationException($"{mode}: finished {result.Finished}, handled {counter.Count}, committed {committed} of {messages} ({result.StopReason}).");
                }

                return new ExactlyOnceRun(mode, round, messages, consume, (int)counter.Count);
            }
        }
        finally
        {
            foreach (var topic in ConveyorApp.TopicsOf(input, group).Append(output))
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
    }
}
