using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.ConsumerEngine.Transactions;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Transactions;

/// <summary>
/// The consumer engine with a transactional producer: what a record writes and its offset commit together or not at
/// all. On the embedded cluster, which does not hide aborted records from read_committed readers and fences no zombie
/// (docs/embedded-kafka.md), the proof is in the offsets and in what runs again.
/// </summary>
public sealed class KafkaTransactionsEngineTests(KafkaTestCluster kafka, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>
{
    [Fact]
    public async Task RecordWritesThenFails_TransactionAborts_NoOffsetOfItCommits_TheNextRunHandlesThoseRecordsAgain()
    {
        var input = await kafka.CreateTopicAsync(partitions: 1, purpose: "input");
        var outputTopic = await kafka.CreateTopicAsync(partitions: 1, purpose: "output");
        var groupId = "eos-" + Guid.NewGuid().ToString("N");
        var transactionalId = "tx-" + Guid.NewGuid().ToString("N");
        KafkaTestData.Produce(kafka, input, partition: 0, count: 10);
        using var shared = new ProducerBuilder<byte[]?, byte[]?>(kafka.ProducerConfig()).Build();

        // Run 1: every record writes a copy in the transaction; all commit.
        var first = await RunAsync(groupId, transactionalId, input, outputTopic, shared, failAt: null, stopWhenIdle: true);
        first.Result.Reason.ShouldBe(ConsumerStopReason.Idle);
        first.Handled.Order().ToArray().ShouldBe(Enumerable.Range(0, 10).Select(i => (long)i).ToArray());
        using (var committed = KafkaTestData.CommittedOffsets(kafka, groupId, input, partitions: 1))
        {
            committed.Of(0).ShouldBe(10, "the transaction's offsets are the group's");
        }

        // The embedded cluster does not store offsets sent to a transaction (docs/embedded-kafka.md): the consumer saw it
        // and commits them again after each transaction.
        first.Logger.Logged(3154).ShouldBe(kafka.Embedded is not null);

        // Run 2: records 10 and 11 complete, 12 writes and then fails. Only the shutdown commit may commit (the interval
        // is an hour), and it must abort: 10 and 11 wrote into the same transaction as 12.
        KafkaTestData.Produce(kafka, input, partition: 0, count: 5);
        var options = EngineRun.FastOptions();
        options.CommitInterval = TimeSpan.FromHours(1);
        var second = await RunAsync(groupId, transactionalId, input, outputTopic, shared, failAt: 12, stopWhenIdle: false, options);
        second.Result.Reason.ShouldBe(ConsumerStopReason.ProcessorFailed);
        second.Handled.ShouldContain(10);
        second.Handled.ShouldContain(11);
        using (var committed = KafkaTestData.CommittedOffsets(kafka, groupId, input, partitions: 1))
        {
            committed.Of(0).ShouldBe(10, "nothing of the aborted transaction is committed, not even the records that completed in it");
        }

        second.Logger.Logged(3153).ShouldBeTrue("the transaction was aborted (event 3153)");

        // Run 3: the same transactional id fences what is left of run 2 and handles 10..14 again.
        var third = await RunAsync(groupId, transactionalId, input, outputTopic, shared, failAt: null, stopWhenIdle: true);
        third.Result.Reason.ShouldBe(ConsumerStopReason.Idle);
        third.Handled.Order().ToArray().ShouldBe(new long[] { 10, 11, 12, 13, 14 }, "the records of the aborted transaction are handled again, and only they");
        using (var committed = KafkaTestData.CommittedOffsets(kafka, groupId, input, partitions: 1))
        {
            committed.Of(0).ShouldBe(15);
        }
    }

    private async Task<(KafkaConsumerRunResult Result, List<long> Handled, RecordingLogger Logger)> RunAsync(
        string groupId, string transactionalId, string input, string outputTopic, IProducer<byte[]?, byte[]?> shared, long? failAt, bool stopWhenIdle, KafkaConsumerOptions? options = null)
    {
        var handled = new ConcurrentQueue<long>();
        var logger = new RecordingLogger(output, "transactions");
        using var transactions = new KafkaTransactions(kafka.ProducerConfig(), transactionalId, logger);
        await using var run = EngineRun.Start(kafka, output, groupId, input, async (record, cancellationToken, revoked) =>
        {
            var lease = await transactions.EnterAsync(record, revoked);
            if (lease is null)
            {
                return RecordOutcome.Release;
            }

            using (TransactionLease.Use(lease))
            {
                await (TransactionLease.Current?.ProducerForSend() ?? shared).ProduceAsync(outputTopic, Copy(record), cancellationToken);
            }

            handled.Enqueue(record.Offset.Value);
            if (record.Offset.Value == failAt)
            {
                throw new InvalidOperationException($"record {failAt} fails after writing");
            }

            return RecordOutcome.Completed;
        }, options, stopWhenIdle: stopWhenIdle, transactions: transactions);
        var result = await run.Completion.WithinDeadline("the run to end");
        return (result, [.. handled], logger);
    }

    private static Message<byte[]?, byte[]?> Copy(ConsumeResult<byte[]?, byte[]?> record) =>
        new() { Key = record.Message.Key, Value = Encoding.UTF8.GetBytes($"copy of {record.Offset.Value}") };
}
