using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

/// <summary>
/// Where the partitions of an assignment start: at the committed offset, else where auto.offset.reset says — looked up at
/// once for the consumer's own topics, after librdkafka's back-off for the deferred (retry) topic.
/// </summary>
public sealed class StartPositionTests(KafkaTestCluster kafka, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>
{
    private const string Topic = "orders";
    private const string Retry = "orders.group.retry";

    [Theory]
    [InlineData(AutoOffsetReset.Earliest, -2L)]
    [InlineData(AutoOffsetReset.Latest, -1L)]
    public void Of_PartitionWithoutCommittedOffset_StartsAtTheLogicalOffsetOfAutoOffsetReset(AutoOffsetReset reset, long expected)
    {
        var start = Positions(reset).Of([new TopicPartition(Topic, 0)], [new TopicPartitionOffset(Topic, 0, Offset.Unset)]);

        start.ShouldBe([new TopicPartitionOffset(Topic, 0, new Offset(expected))]);
    }

    [Fact]
    public void Of_CommittedPartitionAndDeferredTopic_AreLeftToLibrdkafka()
    {
        List<TopicPartition> assigned = [new(Topic, 0), new(Topic, 1), new(Retry, 0), new(Retry, 1)];
        List<TopicPartitionOffset> committed =
        [
            new(Topic, 0, 42), new(Topic, 1, Offset.Unset), new(Retry, 0, 7), new(Retry, 1, Offset.Unset),
        ];

        var start = Positions(AutoOffsetReset.Earliest).Of(assigned, committed);

        start.ShouldBe(
        [
            new TopicPartitionOffset(Topic, 0, Offset.Unset),
            new TopicPartitionOffset(Topic, 1, Offset.Beginning),
            new TopicPartitionOffset(Retry, 0, Offset.Unset),
            new TopicPartitionOffset(Retry, 1, Offset.Unset),
        ]);
    }

    [Theory]
    [InlineData(AutoOffsetReset.Error, false, true)]
    [InlineData(AutoOffsetReset.Earliest, true, true)]
    [InlineData(AutoOffsetReset.Earliest, false, false)]
    public void Of_ResetErrorExactlyOnceOrCommittedUnread_LeavesEveryPartitionToLibrdkafka(AutoOffsetReset reset, bool transactional, bool committedRead)
    {
        List<TopicPartition> assigned = [new(Topic, 0)];

        var start = Positions(reset, transactional).Of(assigned, committedRead ? [new TopicPartitionOffset(Topic, 0, Offset.Unset)] : null);

        start.ShouldBe([new TopicPartitionOffset(Topic, 0, Offset.Unset)]);
    }

    [Fact]
    public async Task RunAsync_NewGroupWithAutoOffsetResetLatest_ReadsOnlyRecordsWrittenAfterItStarted()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        KafkaTestData.Produce(kafka, topic, partition: 0, count: 5, keyOf: i => $"before-{i}");
        var seen = new ConcurrentQueue<string?>();
        var config = kafka.ConsumerConfig($"latest-{topic}");
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        var engine = new KafkaConsumerEngine(config, [topic], Record(seen), EngineRun.FastOptions(), new RecordingLogger(output, "latest"));
        using var stop = new CancellationTokenSource();
        var run = engine.RunAsync(stopWhenIdle: false, stop.Token);

        // Where "latest" is depends on when the consumer looked it up: write until a record arrives.
        var written = 0;
        await Eventually.Until(
            () =>
            {
                KafkaTestData.Produce(kafka, topic, partition: 0, count: 1, keyOf: _ => $"after-{written++}");
                return !seen.IsEmpty;
            },
            "a record written after the start read");
        await stop.CancelAsync();
        await run.WithinDeadline("the engine to stop");

        seen.ShouldAllBe(key => key!.StartsWith("after-", StringComparison.Ordinal), "records written before a new group started are skipped");
    }

    [Fact]
    public async Task RunAsync_DeferredTopicHoldingRecordsAtStart_IsReadFromItsBeginningWithTheOthers()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);
        var retry = await kafka.CreateTopicAsync(partitions: 2, purpose: "retry");
        KafkaTestData.Produce(kafka, topic, Enumerable.Range(0, 6).Select(i => (i % 2, (string?)$"main-{i}")));
        KafkaTestData.Produce(kafka, retry, Enumerable.Range(0, 4).Select(i => (i % 2, (string?)$"retry-{i}")));
        var seen = new ConcurrentQueue<string?>();
        var engine = new KafkaConsumerEngine(
            kafka.ConsumerConfig($"deferred-{topic}"), [topic, retry], Record(seen), EngineRun.FastOptions(), new RecordingLogger(output, "deferred"),
            deferredTopic: retry);

        var result = await engine.RunAsync(stopWhenIdle: true, CancellationToken.None).WithinDeadline("the engine to read both topics");

        result.Reason.ShouldBe(ConsumerStopReason.Idle);
        seen.Order().ShouldBe(["main-0", "main-1", "main-2", "main-3", "main-4", "main-5", "retry-0", "retry-1", "retry-2", "retry-3"]);
    }

    private static RecordProcessor Record(ConcurrentQueue<string?> seen) => (record, _, _) =>
    {
        seen.Enqueue(record.Message.Key is { } key ? Encoding.UTF8.GetString(key) : null);
        return ValueTask.FromResult(RecordOutcome.Completed);
    };

    private static StartPositions Positions(AutoOffsetReset reset, bool transactional = false) => new(
        new ConsumerConfig { AutoOffsetReset = reset },
        Retry,
        transactional,
        new ConsumerRunContext((_, _, _) => ValueTask.FromResult(RecordOutcome.Completed), new KafkaConsumerOptions(), TimeProvider.System, NullLogger.Instance));
}
