using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// What the consumer's and producer's hand-offs must never cost (docs/kafka-performance.md): a handler that blocks its
/// thread holds up only its own partition — the others keep going and the consumer stays in its group past
/// session.timeout.ms — and a continuation that waits synchronously on another send is not waiting on itself.
/// </summary>
public sealed class KafkaHandOffTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    [Message("handoff.work")]
    public sealed record Work(int Number);

    [Message("handoff.relayed")]
    public sealed record Relayed(int Number, string How);

    public sealed class Gate
    {
        public int BlockedPartition = -1;

        public ManualResetEventSlim Blocked { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public ConcurrentQueue<(int Partition, int Number)> Handled { get; } = new();
    }

    public sealed class Blocker(Gate gate)
    {
        // Synchronous and blocking: the first record holds its worker's thread until the test releases it.
        [Asynchronous("handoff")]
        [EventHandler(EndpointId = "handoff.work")]
        public void Handle(Work work, MessageHeaders headers)
        {
            var partition = int.Parse(headers.Get("kafka_partition")!, CultureInfo.InvariantCulture);
            if (Interlocked.CompareExchange(ref gate.BlockedPartition, partition, -1) == -1)
            {
                gate.Blocked.Set();
                gate.Release.Wait(TimeSpan.FromSeconds(90)).ShouldBeTrue("the test releases the blocked handler");
            }

            gate.Handled.Enqueue((partition, work.Number));
        }
    }

    [Fact]
    public async Task HandlerBlockingPastTheSessionTimeout_OtherPartitionsProgress_AndTheConsumerStaysInTheGroup()
    {
        var topic = await cluster.CreateTopicAsync(3);
        var gate = new Gate();
        var logs = new CapturingLoggerProvider();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Blocker>().AddKafkaChannel("handoff", topic, groupId: $"g-{topic}"),
            s => s.AddSingleton(gate).AddLogging(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs)));
        var bus = services.GetRequiredService<IEventBus>();
        var lag = services.GetRequiredService<IKafkaLag>();
        for (var i = 0; i < 60; i++)
        {
            await bus.PublishAsync(new Work(i));
        }

        using var stop = new CancellationTokenSource();
        var run = services.GetRequiredService<IConsumerRunner>().RunAsync("handoff", cancellationToken: stop.Token);
        await Eventually.Until(() => gate.Blocked.IsSet, "a handler blocks");
        var blockedFor = Stopwatch.StartNew();
        var blocked = gate.BlockedPartition;

        await Eventually.Until(() => OthersHandled() == OthersWritten().Result, "the records of the other partitions are handled while one handler blocks");

        // The block outlasts the session timeout; records written after that still flow on the other partitions.
        var sessionTimeout = TimeSpan.FromMilliseconds(cluster.ConsumerConfig("unused").SessionTimeoutMs ?? 45_000);
        await Task.Delay(sessionTimeout * 2 - blockedFor.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        for (var i = 60; i < 90; i++)
        {
            await bus.PublishAsync(new Work(i));
        }

        await Eventually.Until(() => OthersHandled() == OthersWritten().Result, "records written after the session timeout are handled on the other partitions");
        blockedFor.Elapsed.ShouldBeGreaterThan(sessionTimeout * 2);
        gate.Release.IsSet.ShouldBeFalse();
        run.IsCompleted.ShouldBeFalse();

        gate.Release.Set();
        await Eventually.Until(() => gate.Handled.Count == 90, "every record is handled once the handler is released");
        var beforeStop = logs.Entries;
        await stop.CancelAsync();
        await run.WaitAsync(Eventually.DefaultTimeout);

        // Never out of the group until it stopped: one assignment, no revoke, no loss, so nothing was handled twice, and
        // every offset committed.
        beforeStop.Where(e => e.EventId is 3103 or 3104).ShouldBeEmpty();
        beforeStop.Count(e => e.EventId == 3102).ShouldBe(1);
        gate.Handled.Select(h => h.Number).Order().ShouldBe(Enumerable.Range(0, 90));
        (await lag.GetLagAsync("handoff")).Where(p => p.Topic == topic).Sum(p => p.Lag).ShouldBe(0);

        int OthersHandled() => gate.Handled.Count(h => h.Partition != blocked);

        async Task<long> OthersWritten() =>
            (await lag.GetLagAsync("handoff")).Where(p => p.Topic == topic && p.Partition != blocked).Sum(p => p.HighWatermark);
    }

    public sealed class Relay(ConcurrentQueue<int> done)
    {
        [Asynchronous("relay")]
        [EventHandler(EndpointId = "handoff.relay")]
        public async Task Handle(Work work, [FromKeyedServices("relay_out")] IKafkaPublisher publisher, CancellationToken cancellationToken)
        {
            // Resumes where the first acknowledgement was completed, then blocks that thread on the second one.
            await publisher.SendAsync(new Relayed(work.Number, "awaited"), cancellationToken: cancellationToken);
            publisher.SendAsync(new Relayed(work.Number, "blocking"), cancellationToken: cancellationToken).GetAwaiter().GetResult();
            done.Enqueue(work.Number);
        }
    }

    [Fact]
    public async Task ContinuationWaitingSynchronouslyOnAnotherSend_InAHandlerAndOutside_NeverDeadlocks()
    {
        var topic = await cluster.CreateTopicAsync(3);
        var output = await cluster.CreateTopicAsync(3);
        var done = new ConcurrentQueue<int>();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Relay>().AddKafkaChannel("relay", topic, groupId: $"g-{topic}").AddKafkaPublisher("relay_out", output),
            s => s.AddSingleton(done));
        var bus = services.GetRequiredService<IEventBus>();
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("relay_out");

        // Outside a handler: many senders at once, each continuing after an acknowledgement and then blocking on the next.
        var senders = Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            await publisher.SendAsync(new Relayed(i, "awaited"));
            publisher.SendAsync(new Relayed(i, "blocking")).GetAwaiter().GetResult();
            await bus.PublishAsync(new Work(i));
            bus.PublishAsync(new Work(i + 1000)).AsTask().GetAwaiter().GetResult();
        }));
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(60));

        var result = await services.RunUntil("relay", () => done.Count == 64, "every handler sent both records");
        result.Failed.ShouldBe(0);
        done.Order().ShouldBe(Enumerable.Range(0, 32).Concat(Enumerable.Range(1000, 32)));
        (await Kcat.ConsumeAllAsync(cluster, output)).Count.ShouldBe(64 + 128);
    }
}
