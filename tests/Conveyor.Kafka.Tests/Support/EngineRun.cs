using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>A consumer engine running against the test cluster, stopped (and awaited) on dispose.</summary>
internal sealed class EngineRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private EngineRun(
        KafkaTestCluster kafka,
        string groupId,
        string topic,
        RecordProcessor processor,
        KafkaConsumerOptions options,
        bool stopWhenIdle,
        RecordingLogger logger,
        string? assignmentStrategy,
        Conveyor.Kafka.ConsumerEngine.Transactions.KafkaTransactions? transactions,
        TimeProvider? timeProvider)
    {
        var config = kafka.ConsumerConfig(groupId);
        // The embedded cluster completes every rebalance after session.timeout.ms minus one second, and
        // members learn of a rebalance through heartbeats: keep both short so tests rebalance quickly.
        config.HeartbeatIntervalMs = 100;
        config.SessionTimeoutMs = 2000;
        if (assignmentStrategy is not null)
        {
            config.Set("partition.assignment.strategy", assignmentStrategy);
        }

        Logger = logger;
        var engine = new KafkaConsumerEngine(config, [topic], processor, options, logger, Observer, timeProvider, transactions: transactions);
        Completion = engine.RunAsync(stopWhenIdle, _stop.Token);
    }

    public Task<KafkaConsumerRunResult> Completion { get; }

    public RecordingObserver Observer { get; } = new();

    public RecordingLogger Logger { get; }

    public static EngineRun Start(
        KafkaTestCluster kafka,
        ITestOutputHelper output,
        string groupId,
        string topic,
        RecordProcessor processor,
        KafkaConsumerOptions? options = null,
        bool stopWhenIdle = false,
        string name = "engine",
        string? assignmentStrategy = null,
        Conveyor.Kafka.ConsumerEngine.Transactions.KafkaTransactions? transactions = null,
        TimeProvider? timeProvider = null) =>
        new(kafka, groupId, topic, processor, options ?? FastOptions(), stopWhenIdle, new RecordingLogger(output, name), assignmentStrategy, transactions, timeProvider);

    /// <summary>Defaults with commits and backoffs short enough for tests.</summary>
    public static KafkaConsumerOptions FastOptions() => new()
    {
        CommitInterval = TimeSpan.FromMilliseconds(50),
        ReleaseBackoffInitial = TimeSpan.FromMilliseconds(10),
        ReleaseBackoffMax = TimeSpan.FromMilliseconds(40),
        RevokeGracePeriod = TimeSpan.FromMilliseconds(200),
        ShutdownGracePeriod = TimeSpan.FromSeconds(5),
    };

    /// <summary>Cancels the run and returns its result.</summary>
    public async Task<KafkaConsumerRunResult> StopAsync()
    {
        await _stop.CancelAsync();
        return await Completion.WithinDeadline("the engine to stop");
    }

    public async ValueTask DisposeAsync()
    {
        if (!Completion.IsCompleted)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
