using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Channels;
using Conveyor.Consumers;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.ConsumerEngine.Batching;
using Conveyor.Kafka.ConsumerEngine.Transactions;
using Conveyor.Kafka.DeadLetters;
using Conveyor.Kafka.Publishing;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Channels;

/// <summary>
/// A Conveyor channel on Kafka. Sending writes to the channel's topic (key: the partition key, else the message
/// id) and completes on the broker's acknowledgement. Receiving runs a <see cref="KafkaConsumerEngine"/> on the
/// channel's topics and its group's retry topic: offsets are committed only when Conveyor finished a record.
/// Delayed retries go to the retry topic and wait there until due; dead letters go to the dead-letter topic.
/// </summary>
internal sealed class KafkaChannel : IKafkaConsumerChannel, IPartitionLagReporter, IDisposable
{
    private readonly KafkaPuller _puller;
    private readonly KafkaTopics _topics;
    private readonly ConcurrentDictionary<TopicPartition, long> _appended = new();
    private int _receiving;
    private readonly ILogger _logger;
    private readonly ILogger _lagLogger;
    private readonly ILoggerFactory _loggers;
    private readonly string[] _sendTopics;
    private readonly string[] _retryTopics;
    private readonly TopicPartition _sendDestination;
    private readonly Action<TopicPartition, long> _remember;
    private readonly List<(TransportMessage Message, CancellationToken Cancellation, TaskCompletionSource Sent, TransactionLease? Transaction)> _untilReady = [];
    private volatile bool _sendTopicReady;
    private readonly ImpliedHeaders _implied;

    private readonly IConsumerStatusReporter _status;

    // Records whose send the broker refused for good in an aborted transaction: kept across the consumer's runs.
    private readonly RefusedSends _refusedSends = new();

    public KafkaChannel(KafkaChannelSettings settings, KafkaProducers producers, KafkaTopics topics, IConsumerStatusReporter status, TimeProvider time, ILoggerFactory loggers, IChannelRouting? routing = null)
    {
        _implied = new ImpliedHeaders(settings.Name, routing);
        _status = status;
        Settings = settings;
        Time = time;
        _topics = topics;
        _loggers = loggers;
        _logger = loggers.CreateLogger<KafkaChannel>();
        _lagLogger = loggers.CreateLogger<Lag.KafkaLag>();
        Producer = producers.For(settings.Producer);
        DeadLetters = new KafkaDeadLetterTopic(settings, Producer, loggers.CreateLogger<KafkaDeadLetterTopic>());
        Capabilities = new ChannelCapabilities
        {
            CanReceive = true,
            KeepsOrderOnRelease = true,
            MaxDeliveryDelay = settings.MaxRetryTopicDelay ?? Timeout.InfiniteTimeSpan,
            RetriesWaitInPlace = settings.RetryMode == KafkaRetryMode.Blocking,
            ReportsLag = true,
            CanPause = true,
            DeliversBatches = true,
        };

        // Checked with the topics it serves: a retry topic a send creates gets their partition count, not the default.
        _retryTopics = [.. settings.Topics, settings.RetryTopic];
        var sendTopic = settings.SendTopic ?? settings.RetryTopic;
        _sendTopics = settings.SendTopic is null ? _retryTopics : [sendTopic];
        _sendDestination = new TopicPartition(sendTopic, Partition.Any);
        _remember = Remember;
        _puller = new KafkaPuller(this, topics, loggers.CreateLogger<KafkaPuller>());
    }

    public string Name => Settings.Name;

    public ChannelCapabilities Capabilities { get; }

    /// <summary>The topics it reads (a <c>[KafkaConsumer]</c> may read several); its retry and dead-letter topics are in the start-up log.</summary>
    public string? Address => string.Join(",", Settings.Topics);

    public KafkaChannelSettings Settings { get; }

    public TimeProvider Time { get; }

    public IProducer<byte[]?, byte[]?> Producer { get; }

    public IDeadLetterStore DeadLetters { get; }

    public FinalFailureStrategy? FinalFailureStrategy => Settings.FinalFailureStrategy;

    /// <summary>Whether records of <paramref name="topic"/> may be re-appended to it: the channel's own topic and its retry topic.</summary>
    public bool OwnsTopic(string topic) => topic == Settings.SendTopic || topic == Settings.RetryTopic;

    public async ValueTask<long?> GetLagAsync(CancellationToken cancellationToken) =>
        (await GetPartitionLagAsync(cancellationToken).ConfigureAwait(false)).Sum(p => p.Lag);

    public Task<IReadOnlyList<PartitionLag>> GetPartitionLagAsync(CancellationToken cancellationToken) =>
        Lag.KafkaLag.ReadAsync(Settings, _lagLogger, cancellationToken);

    async Task<IReadOnlyList<ChannelPartitionLag>> IPartitionLagReporter.GetPartitionLagAsync(CancellationToken cancellationToken) =>
        [.. (await GetPartitionLagAsync(cancellationToken).ConfigureAwait(false))
            .Select(p => new ChannelPartitionLag(p.Topic, p.Partition, p.Committed, p.HighWatermark, p.Lag))];

    public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        if (message.DeliverAt is { } due && due > Time.GetUtcNow())
        {
            // Not on the channel's topic, where it would hold every record behind it in its partition: the group's
            // retry topic holds it until it is due.
            return RedeliverAsync(message, cancellationToken);
        }

        return _sendTopicReady ? Send(message, cancellationToken) : SendOnceReady(message, cancellationToken);
    }

    private ValueTask Send(TransportMessage message, CancellationToken cancellationToken) =>
        KafkaSender.SendWithoutResultAsync(Producer, _sendDestination, message, cancellationToken, _implied, OnWrittenWhileReceiving);

    /// <summary>
    /// Until the send topic is known to exist, sends queue in order behind its creation and are handed to the
    /// producer in that order once it exists: a batch of one key must not be overtaken by its later records.
    /// </summary>
    private ValueTask SendOnceReady(TransportMessage message, CancellationToken cancellationToken)
    {
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_untilReady)
        {
            if (_sendTopicReady)
            {
                return Send(message, cancellationToken);
            }

            _untilReady.Add((message, cancellationToken, waiting, TransactionLease.Current));
            if (_untilReady.Count == 1)
            {
                _ = EnsureThenSendQueuedAsync();
            }
        }

        return new ValueTask(waiting.Task);
    }

    private async Task EnsureThenSendQueuedAsync()
    {
        Exception? failure = null;
        try
        {
            await _topics.EnsureAsync(_sendTopics, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }

        List<(TransportMessage Message, CancellationToken Cancellation, TaskCompletionSource Sent, TransactionLease? Transaction)> queued;
        lock (_untilReady)
        {
            queued = [.. _untilReady];
            _untilReady.Clear();
            foreach (var (message, cancellation, sent, transaction) in queued)
            {
                if (failure is not null)
                {
                    sent.TrySetException(failure);
                }
                else
                {
                    // Sent on this flow on behalf of each sender: in the transaction of the record that sent it, if any.
                    using (TransactionLease.Use(transaction))
                    {
                        _ = CompleteWhenSentAsync(Send(message, cancellation), sent);
                    }
                }
            }

            // Set while holding the lock: a send arriving now cannot overtake the queued ones.
            _sendTopicReady = failure is null;
        }

        static async Task CompleteWhenSentAsync(ValueTask sending, TaskCompletionSource sent)
        {
            try
            {
                await sending.ConfigureAwait(false);
                sent.TrySetResult();
            }
            catch (Exception e)
            {
                sent.TrySetException(e);
            }
        }
    }

    public async ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        await _topics.EnsureAsync(_retryTopics, cancellationToken).ConfigureAwait(false);
        await AppendAsync(new TopicPartition(Settings.RetryTopic, Partition.Any), message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a record to one of this channel's own topics. While this channel is being consumed it remembers how far
    /// it wrote each partition, so that a stop-when-empty run does not end before it has read its own retries,
    /// re-appends and fan-out copies.
    /// </summary>
    public ValueTask<KafkaDeliveryResult> AppendAsync(TopicPartition destination, TransportMessage message, CancellationToken cancellationToken) =>
        KafkaSender.SendAsync(Producer, destination, message, cancellationToken, _implied, OnWrittenWhileReceiving);

    private Action<TopicPartition, long>? OnWrittenWhileReceiving => Volatile.Read(ref _receiving) > 0 ? _remember : null;

    private void Remember(TopicPartition partition, long offset) =>
        _appended.AddOrUpdate(partition, static (_, next) => next, static (_, end, next) => Math.Max(end, next), offset + 1);

    /// <summary>Takes one record through the channel's pull consumer (<see cref="KafkaPuller"/>).</summary>
    public ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken) =>
        _puller.TryReceiveAsync(handler, cancellationToken);

    /// <summary>Closes the pull consumer, if a take opened one, so that the group rebalances at once.</summary>
    public void Dispose() => _puller.Dispose();

    public async Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
    {
        var topics = Settings.Topics.Append(Settings.RetryTopic).ToList();
        try
        {
            await _topics.EnsureAsync([.. topics, Settings.DeadLetterTopic], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is KafkaPublishException or OperationCanceledException)
        {
            // Stopped (e.g. SIGTERM) while the cluster did not answer: a stop, not a crash of the host.
            Log.StoppedBeforeStart(_logger, e, Name);
            return new ReceiveSummary(0, null);
        }

        Log.ChannelStarting(_logger, Name, string.Join(",", Settings.Topics), Settings.GroupId, Settings.RetryTopic, Settings.DeadLetterTopic, Configuration.KafkaClientConfigs.Describe(Settings.Consumer));

        var transactions = Settings.ExactlyOnce ? StartTransactions() : null;
        var engine = new KafkaConsumerEngine(
            Settings.Consumer, topics, Process, Settings.Consuming, _loggers.CreateLogger<KafkaConsumerEngine>(), new StatusObserver(_status, Name), Time,
            appendedEnd: partition => _appended.TryGetValue(partition, out var end) ? end : -1, pause: options.Pause, transactions: transactions,
            batching: options.Batched ? new RecordBatching(Settings.Consuming.MaxBatchSize!.Value, Settings.Consuming.MaxBatchWait!.Value, ProcessBatch) : null,
            deferredTopic: Settings.RetryTopic);
        Interlocked.Increment(ref _receiving);
        KafkaConsumerRunResult result;
        try
        {
            result = await engine.RunAsync(options.StopWhenEmpty, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _receiving);
            if (transactions is not null)
            {
                transactions.Dispose();
                TransactionalIds.Release(transactions.TransactionalId);
            }
        }

        if (result.Reason is ConsumerStopReason.FatalError or ConsumerStopReason.ProcessorFailed && result.Error is { } error)
        {
            throw new ConveyorException($"Kafka consumer of channel '{Name}' stopped: {error.Message}", error);
        }

        return new ReceiveSummary(result.RecordsCompleted, result.StoppedAt?.ToString());

        ValueTask<RecordOutcome> Process(ConsumeResult<byte[]?, byte[]?> record, CancellationToken token, CancellationToken revoked) =>
            cancellationToken.IsCancellationRequested
                // Stopping: the engine closes its partitions on its next poll, and until then a worker would start the
                // records behind the one that just finished. Hand out nothing new; the record stays uncommitted.
                ? ValueTask.FromResult(RecordOutcome.Release)
                : Handle(record, KafkaInboundMessage.From(record, this, revoked), token, revoked);

        // A record due now, outside a transaction — nearly every one — without an async method of its own: the handler's
        // answer becomes the record's outcome as it completes.
        ValueTask<RecordOutcome> Handle(ConsumeResult<byte[]?, byte[]?> record, KafkaInboundMessage inbound, CancellationToken token, CancellationToken revoked)
        {
            if (transactions is not null || inbound.Message.DeliverAt is not null)
            {
                return HandleAsync(record, inbound, token, revoked);
            }

            var acknowledged = handler(inbound, token);
            return acknowledged.IsCompletedSuccessfully ? new ValueTask<RecordOutcome>(OutcomeOf(acknowledged.Result)) : OutcomeAsync(acknowledged);
        }

        static async ValueTask<RecordOutcome> OutcomeAsync(ValueTask<Acknowledgement> acknowledged) =>
            OutcomeOf(await acknowledged.ConfigureAwait(false));

        // A batch for batch handlers: every record goes to the pipeline at once, marked with the batch, which runs the
        // handler once for all of them and answers each record's call when it is done. Under exactly-once the batch
        // enters the transaction as one unit, once it is due: its lease is ambient on every record's call, so the batch
        // handler's sends and those of its record-by-record fallback go through the transactional producer.
        async ValueTask<RecordOutcome[]> ProcessBatch(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> records, CancellationToken token, CancellationToken revoked)
        {
            var outcomes = new RecordOutcome[records.Count];
            if (cancellationToken.IsCancellationRequested)
            {
                Array.Fill(outcomes, RecordOutcome.Release);
                return outcomes;
            }

            var batch = new InboundBatch(records.Count);
            var inbound = new KafkaInboundMessage[records.Count];
            for (var i = 0; i < records.Count; i++)
            {
                inbound[i] = KafkaInboundMessage.From(records[i], this, revoked, batch, i);
            }

            TransactionLease? lease = null;
            if (transactions is not null)
            {
                // The batch handler runs when its last record is due: a batch of retries not yet due waits outside the
                // transaction, holding no commit, as a single retry does.
                var due = inbound.Max(m => m.Message.DeliverAt);
                if (due is { } at && at - Time.GetUtcNow() is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, Time, revoked).ConfigureAwait(false);
                }

                lease = await transactions.EnterAsync(records, revoked).ConfigureAwait(false);
                if (lease is null)
                {
                    Array.Fill(outcomes, RecordOutcome.Release);
                    return outcomes;
                }
            }

            var running = new Task<RecordOutcome>[records.Count];
            using (TransactionLease.Use(lease))
            {
                for (var i = 0; i < records.Count; i++)
                {
                    running[i] = HandleAsync(records[i], inbound[i], token, revoked, entered: lease is not null).AsTask();
                }
            }

            for (var i = 0; i < running.Length; i++)
            {
                outcomes[i] = await running[i].ConfigureAwait(false);
            }

            return outcomes;
        }

        // entered: the record is in the transaction already, with its batch (whose lease is ambient).
        async ValueTask<RecordOutcome> HandleAsync(ConsumeResult<byte[]?, byte[]?> record, KafkaInboundMessage inbound, CancellationToken token, CancellationToken revoked, bool entered = false)
        {
            if (inbound.Message.DeliverAt is { } due && due - Time.GetUtcNow() is { Ticks: > 0 } wait)
            {
                // A retry not yet due holds no work: a revoke ends the wait at once, not after the grace period. The rest
                // of its batch, if any, goes on without it.
                try
                {
                    await Task.Delay(wait, Time, revoked).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    inbound.Batch?.Withdraw(inbound.BatchIndex);
                    throw;
                }
            }

            Acknowledgement acknowledgement;
            if (transactions is null || entered)
            {
                acknowledgement = await handler(inbound, token).ConfigureAwait(false);
            }
            else
            {
                // Entered after the wait for a due time, which writes nothing: a retry waiting does not hold a commit.
                // The record leaves the transaction in the partition worker, once its offset is marked finished.
                if (await transactions.EnterAsync(record, revoked).ConfigureAwait(false) is not { } lease)
                {
                    inbound.Batch?.Withdraw(inbound.BatchIndex);
                    return RecordOutcome.Release;
                }

                using (TransactionLease.Use(lease))
                {
                    acknowledgement = await handler(inbound, token).ConfigureAwait(false);
                }
            }

            return OutcomeOf(acknowledgement);
        }
    }

    private static RecordOutcome OutcomeOf(Acknowledgement acknowledgement) => acknowledgement switch
    {
        Acknowledgement.Completed => RecordOutcome.Completed,
        Acknowledgement.Release => RecordOutcome.Release,
        _ => RecordOutcome.Stop,
    };

    /// <summary>The transactions of an exactly-once run, with a transactional id of its own in this process.</summary>
    private KafkaTransactions StartTransactions()
    {
        var id = TransactionalIds.Acquire(Settings.TransactionalIdPrefix);
        return new KafkaTransactions(Settings.Producer, id, _loggers.CreateLogger<KafkaTransactions>(), _refusedSends);
    }
}
