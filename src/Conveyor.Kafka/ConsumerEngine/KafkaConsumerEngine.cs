using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Runs one Kafka consumer: polls on a dedicated thread, hands records to a <see cref="RecordProcessor"/> on
/// the thread pool in the configured order, commits finished offsets in batches without ever passing an
/// unfinished one, and drains and commits on revoke and shutdown. One engine runs once.
/// </summary>
internal sealed class KafkaConsumerEngine
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BusyPollTimeout = TimeSpan.FromMilliseconds(2);

    // The most records taken from the client's queue before the partitions they belong to start on them.
    private const int MaxBatch = 500;

    private readonly ConsumerConfig _config;
    private readonly IReadOnlyList<string> _topics;

    // A mostly empty topic among _topics (a channel's retry topic) whose partitions start after the others: see StartPositions.
    private readonly string? _deferredTopic;
    private readonly Func<TopicPartition, long> _appendedEnd;
    private readonly ConsumerRunContext _context;
    private readonly GuardedObserver _observer;
    private readonly Conveyor.Channels.ConsumerPause? _pause;
    private readonly Transactions.KafkaTransactions? _transactions;
    private volatile Error? _fatalError;
    private int _started;

    public KafkaConsumerEngine(
        ConsumerConfig config,
        IEnumerable<string> topics,
        RecordProcessor processor,
        KafkaConsumerOptions options,
        ILogger logger,
        IKafkaConsumerObserver? observer = null,
        TimeProvider? timeProvider = null,
        Func<TopicPartition, long>? appendedEnd = null,
        Conveyor.Channels.ConsumerPause? pause = null,
        Transactions.KafkaTransactions? transactions = null,
        Batching.RecordBatching? batching = null,
        string? deferredTopic = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(config.GroupId, "config.GroupId");
        ArgumentException.ThrowIfNullOrWhiteSpace(config.BootstrapServers, "config.BootstrapServers");
        _topics = topics.ToList();
        _deferredTopic = deferredTopic;
        _appendedEnd = appendedEnd ?? (_ => -1);
        _pause = pause;
        _transactions = transactions;
        if (_topics.Count == 0 || _topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one topic, and no empty topic name, is required.", nameof(topics));
        }

        var settings = options.Clone();
        settings.Validate();
        ValidateAgainstPollInterval(config, settings);
        _config = config;
        _context = new ConsumerRunContext(processor, settings, timeProvider ?? TimeProvider.System, logger, transactions, batching);
        _observer = new GuardedObserver(observer ?? NullConsumerObserver.Instance, logger);
    }

    /// <summary>
    /// Consumes until <paramref name="cancellationToken"/> is cancelled, a record asks to stop, a fatal error
    /// occurs, or — with <paramref name="stopWhenIdle"/> — every assigned partition reached its end with
    /// nothing in flight. Then lets running records finish within the shutdown grace period, commits, and
    /// closes the consumer so the group rebalances at once.
    /// </summary>
    public Task<KafkaConsumerRunResult> RunAsync(bool stopWhenIdle, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A Kafka consumer engine runs once; create a new one.");
        }

        return Task.Factory.StartNew(
            () => Run(stopWhenIdle, cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    // Revoke callbacks and the shutdown drain block the poll thread; beyond max.poll.interval.ms the group
    // would evict this member and its partitions would be lost instead of handed over.
    private static void ValidateAgainstPollInterval(ConsumerConfig config, KafkaConsumerOptions options)
    {
        if (PollIntervalProblem(config, options) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(options), problem);
        }
    }

    /// <summary>Why the grace periods do not fit in <c>max.poll.interval.ms</c>, or null when they do.</summary>
    internal static string? PollIntervalProblem(ConsumerConfig config, KafkaConsumerOptions options)
    {
        var pollInterval = TimeSpan.FromMilliseconds(config.MaxPollIntervalMs ?? 300_000);
        foreach (var (name, grace) in new[]
                 {
                     ("Consuming:RevokeGracePeriod", options.RevokeGracePeriod),
                     ("Conveyor:ShutdownTimeout", options.ShutdownGracePeriod),
                 })
        {
            if (grace + PartitionDrain.AbortWait >= pollInterval)
            {
                return $"{name} ({grace:c}) plus {PartitionDrain.AbortWait.TotalSeconds:0} s must stay below max.poll.interval.ms ({pollInterval.TotalMilliseconds:0} ms): lower it, or raise max.poll.interval.ms.";
            }
        }

        return null;
    }

    private KafkaConsumerRunResult Run(bool stopWhenIdle, CancellationToken cancellationToken)
    {
        var logger = _context.Logger;
        Log.Starting(logger, _config.GroupId, string.Join(", ", _topics), _context.Options.Ordering);
        var partitions = new AssignedPartitions(_context);
        var committer = new OffsetCommitter(_context, _observer, _transactions);
        var flow = new FlowControl(_context, _pause);
        var retentionGaps = new RetentionGapDetector(_context);
        var config = ClientConfig(stopWhenIdle);
        var start = new StartPositions(config, _deferredTopic, _transactions is not null, _context);
        var rebalance = new RebalanceHandler(partitions, committer, flow, _observer, retentionGaps, start, _context, _transactions);

        // Before the consumer joins: fences an earlier instance's producer and aborts its open transaction.
        _transactions?.Initialize();
        using var consumer = Build(config, rebalance);
        var reason = ConsumerStopReason.Cancelled;
        try
        {
            consumer.Subscribe(_topics);
            reason = Poll(consumer, partitions, committer, flow, retentionGaps, stopWhenIdle, cancellationToken);
        }
        finally
        {
            Shutdown(consumer, partitions, committer);
        }

        // The last commit, on the way out, failed the run (an exactly-once transaction aborted): the run did not end as
        // it was going to, and says so.
        if (reason is ConsumerStopReason.Idle or ConsumerStopReason.Cancelled && _context.StopError is not null)
        {
            reason = ConsumerStopReason.ProcessorFailed;
        }

        Log.Stopped(logger, reason, _context.Completed);
        Exception? error = reason == ConsumerStopReason.FatalError && _fatalError is { } fatal
            ? new KafkaException(fatal)
            : _context.StopError;
        return new KafkaConsumerRunResult(reason, _context.Completed, _context.StoppedAt, error);
    }

    private ConsumerStopReason Poll(
        IConsumer<byte[]?, byte[]?> consumer,
        AssignedPartitions partitions,
        OffsetCommitter committer,
        FlowControl flow,
        RetentionGapDetector retentionGaps,
        bool stopWhenIdle,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_context.StopRequested)
            {
                return _context.StopError is null
                    ? ConsumerStopReason.StoppedOnRecord
                    : ConsumerStopReason.ProcessorFailed;
            }

            if (_fatalError is not null)
            {
                return ConsumerStopReason.FatalError;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ConsumerStopReason.Cancelled;
            }

            committer.CommitIfDue(consumer, partitions.Workers);
            if (stopWhenIdle && partitions.AllAtEnd && _context.Outstanding == 0
                && partitions.ConfirmAtEnd(_appendedEnd))
            {
                return ConsumerStopReason.Idle;
            }

            if (!flow.MayConsume(consumer))
            {
                _context.WaitForSpace(PollTimeout);
                continue;
            }

            // Waits for one record, then takes what the client has already fetched, up to a batch, before starting
            // the partitions' work: a worker that finished its queue is handed to the thread pool once per batch
            // rather than once per record.
            // With records in flight, a stop (a message limit reached, a record that asked to stop) may come any
            // moment from a worker, and librdkafka's wait cannot be woken early: wait briefly, so that the stop is not
            // held up by a wait for records. 2 ms (was 10: the stop waited ~10 ms for it, measured) costs a few
            // microseconds of the poll thread per wake while handlers run and nothing new has been fetched.
            var timeout = _context.Outstanding > 0 ? BusyPollTimeout : PollTimeout;
            for (var taken = 0; taken < MaxBatch && (taken == 0 || flow.MayConsume(consumer)); taken++)
            {
                if (!TryConsume(consumer, timeout, out var record) || record is null)
                {
                    break;
                }

                timeout = TimeSpan.Zero;
                if (record.IsPartitionEOF)
                {
                    partitions.EndReached(record.TopicPartition, record.Offset.Value);
                }
                else if (flow.HoldBack(consumer, record))
                {
                    Log.RecordHeldBack(_context.Logger, record.Topic, record.Partition.Value, record.Offset.Value);
                }
                else if (partitions.TryDispatch(record))
                {
                    retentionGaps.Fetched(consumer, record);
                }
                else
                {
                    Log.UnassignedRecord(_context.Logger, record.Topic, record.Partition.Value, record.Offset.Value);
                }
            }

            partitions.StartDispatched();
        }
    }

    private bool TryConsume(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout, out ConsumeResult<byte[]?, byte[]?>? record)
    {
        try
        {
            record = consumer.Consume(timeout);
            return true;
        }
        catch (KafkaException exception)
        {
            if (exception.Error.IsFatal)
            {
                _fatalError = exception.Error;
            }
            else
            {
                Log.ConsumeFailed(_context.Logger, exception.Error.Reason, exception.Error.Code);
            }

            record = null;
            return false;
        }
    }

    private void Shutdown(
        IConsumer<byte[]?, byte[]?> consumer, AssignedPartitions partitions, OffsetCommitter committer)
    {
        var workers = partitions.RemoveAll();
        Log.Stopping(_context.Logger, _context.Outstanding, _context.Options.ShutdownGracePeriod);
        PartitionDrain.CloseAndWait(workers, _context.Options.ShutdownGracePeriod, _context.Time, _context.Logger);
        committer.Commit(consumer, workers, stopping: true);
        try
        {
            consumer.Close();
        }
        catch (KafkaException exception)
        {
            Log.CloseFailed(_context.Logger, exception);
        }
    }

    private ConsumerConfig ClientConfig(bool stopWhenIdle)
    {
        var config = new ConsumerConfig(_config.ToDictionary(entry => entry.Key, entry => entry.Value))
        {
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        if (stopWhenIdle)
        {
            config.EnablePartitionEof = true;
        }

        return config;
    }

    private IConsumer<byte[]?, byte[]?> Build(ConsumerConfig config, RebalanceHandler rebalance)
    {
        var logger = _context.Logger;
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler(rebalance.OnAssigned)
            .SetPartitionsRevokedHandler(rebalance.OnRevoked)
            .SetPartitionsLostHandler(rebalance.OnLost)
            .SetErrorHandler((_, error) => OnError(error))
            .SetLogHandler((_, message) => Log.ClientLog(logger, LevelOf(message.Level), message.Facility, message.Message))
            .Build();
    }

    private void OnError(Error error)
    {
        if (error.IsFatal)
        {
            Log.FatalError(_context.Logger, error.Reason, error.Code);
            _fatalError = error;
        }
        else
        {
            Log.ClientError(_context.Logger, error.Reason, error.Code);
        }
    }

    private static LogLevel LevelOf(SyslogLevel level) => level switch
    {
        SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
        SyslogLevel.Error => LogLevel.Error,
        SyslogLevel.Warning => LogLevel.Warning,
        SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
        _ => LogLevel.Debug,
    };
}
