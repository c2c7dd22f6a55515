using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine.Transactions;

/// <summary>
/// Exactly-once for one consumer run: one transactional producer (transactional.id fixed per consumer instance) whose
/// transaction spans a commit interval. Records are handled inside it through a <see cref="TransactionLease"/>; at each
/// commit the poll thread stops new records from entering, waits for the ones inside to finish, and commits their sends
/// with the finished offsets (<c>SendOffsetsToTransaction</c> with the group's metadata) in one transaction. A record that
/// wrote something and did not complete, a lost partition or a failed commit aborts the transaction and fails the run:
/// the consumer restarts from the offsets the last transaction committed, and the aborted writes are never committed.
/// A record whose send the broker refused for good is remembered in <see cref="RefusedSends"/> when its transaction
/// aborts, so that its next attempt fails that send instead of aborting again: its failure policy applies.
/// </summary>
internal sealed class KafkaTransactions : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ConsumeResult<byte[]?, byte[]?>, TransactionLease> _leases = new(ReferenceEqualityComparer.Instance);
    private readonly ILogger _logger;
    private readonly RefusedSends _refusedSends;
    private readonly List<(TopicPartitionOffset Record, RefusedSend Refusal)> _refusedInOpen = [];
    private readonly List<TopicPartitionOffset> _replayedInOpen = [];
    private TaskCompletionSource _reopened = NewSignal();
    private int _inside;
    private bool _closed;
    private bool _open;
    private bool _doomed;
    private bool _failed;
    private bool _checkedOffsets;
    private bool _commitOffsetsAgain;

    /// <param name="config">The channel's producer settings; the transactional ones are added.</param>
    /// <param name="transactionalId">This run's transactional id.</param>
    /// <param name="logger">Where the transactions log.</param>
    /// <param name="refusedSends">The consumer's refused records, kept across its runs; null for one of this run only.</param>
    public KafkaTransactions(ProducerConfig config, string transactionalId, ILogger logger, RefusedSends? refusedSends = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(transactionalId);
        TransactionalId = transactionalId;
        _logger = logger;
        _refusedSends = refusedSends ?? new RefusedSends();
        var transactional = new ProducerConfig(config.ToDictionary(e => e.Key, e => e.Value))
        {
            TransactionalId = transactionalId,
            EnableIdempotence = true,
            Acks = Acks.All,
        };
        _producer = new ProducerBuilder<byte[]?, byte[]?>(transactional)
            .SetErrorHandler((_, error) => Log.TransactionProducerError(logger, TransactionalId, error.Code, error.Reason, error.IsFatal))
            .Build();
    }

    public string TransactionalId { get; }

    /// <summary>Whether the run can go on: false once a transaction was aborted or could not commit.</summary>
    public bool Failed
    {
        get
        {
            lock (_gate)
            {
                return _failed;
            }
        }
    }

    /// <summary>Registers the transactional id with the cluster: fences an earlier producer with the same id and aborts its open transaction.</summary>
    public void Initialize()
    {
        try
        {
            _producer.InitTransactions(Timeout);
        }
        catch (KafkaException e)
        {
            throw new ConveyorException(
                $"Kafka transactions could not start for transactional id '{TransactionalId}': {e.Error.Reason} ({e.Error.Code}). Exactly-once consumers need a cluster with transactions (Kafka 2.5 or later) and write access to that transactional id.", e);
        }

        Log.TransactionsStarted(_logger, TransactionalId);
    }

    /// <summary>
    /// Enters <paramref name="record"/> into the open transaction (beginning one if none is), waiting while a commit is in
    /// progress; null when the run failed and no record may be handled any more. The partition worker calls
    /// <see cref="Exit"/> once the record's outcome is recorded, its offset included: a commit never sees a record whose
    /// writes are in the transaction but whose offset is not yet marked finished.
    /// </summary>
    public ValueTask<TransactionLease?> EnterAsync(ConsumeResult<byte[]?, byte[]?> record, CancellationToken cancellationToken) =>
        EnterAsync(record, null, cancellationToken);

    /// <summary>
    /// Enters the records of a batch into the open transaction together, as one unit: one lease for all of them (the
    /// batch handler's sends, and those of its record-by-record fallback, go through it), each record counted inside
    /// until the partition worker calls <see cref="Exit"/> for it. A commit therefore waits for the whole batch, and
    /// never holds part of one.
    /// </summary>
    public ValueTask<TransactionLease?> EnterAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch, CancellationToken cancellationToken) =>
        EnterAsync(null, batch, cancellationToken);

    private async ValueTask<TransactionLease?> EnterAsync(
        ConsumeResult<byte[]?, byte[]?>? record, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>? batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task reopened;
            lock (_gate)
            {
                if (_failed)
                {
                    return null;
                }

                if (!_closed)
                {
                    if (!_open)
                    {
                        _producer.BeginTransaction();
                        _open = true;
                    }

                    return Admit(record, batch);
                }

                reopened = _reopened.Task;
            }

            await reopened.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Under the lock, with the transaction open: one lease for the record, or for every record of the batch. A refusal an
    // earlier attempt of any of them met applies to the lease's sends.
    private TransactionLease Admit(ConsumeResult<byte[]?, byte[]?>? record, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>? batch)
    {
        var count = batch?.Count ?? 1;
        RefusedSend? refusedBefore = null;
        for (var i = 0; i < count; i++)
        {
            var entering = batch is null ? record! : batch[i];
            if (_refusedSends.Find(entering.TopicPartitionOffset) is { } refused)
            {
                Log.TransactionReplaysRefusal(_logger, TransactionalId, entering.Topic, entering.Partition.Value, entering.Offset.Value, refused.Topic, refused.Error.Message);
                refusedBefore ??= refused;
            }
        }

        var lease = new TransactionLease(_producer, refusedBefore);
        for (var i = 0; i < count; i++)
        {
            _leases[batch is null ? record! : batch[i]] = lease;
        }

        _inside += count;
        return lease;
    }

    /// <summary>
    /// The record leaves the transaction, if it entered it; one that wrote into it and did not complete dooms it. A record
    /// of a batch shares the batch's lease: one that did not complete dooms the transaction if the batch, or any record
    /// of its fallback, wrote anything (which record a write was for is not known).
    /// </summary>
    public void Exit(ConsumeResult<byte[]?, byte[]?> record, bool completed)
    {
        if (!_leases.TryRemove(record, out var lease))
        {
            return;
        }

        lock (_gate)
        {
            _inside--;
            if ((!completed && lease.Produced) || lease.FailedAttemptWrote)
            {
                _doomed = true;
            }

            if (lease.Refused is { } refused)
            {
                // librdkafka commits no transaction after a refused send: this one aborts whatever the record did next.
                _doomed = true;
                _refusedInOpen.Add((record.TopicPartitionOffset, refused));
            }

            if (lease.RefusedBefore is not null)
            {
                _replayedInOpen.Add(record.TopicPartitionOffset);
            }

            if (_closed && _inside == 0)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// On the poll thread: closes the transaction to new records, waits for those inside, then commits their sends with
    /// the offsets <paramref name="finishedOffsets"/> gives (read only once nothing is inside). Returns the offsets
    /// committed, or null when nothing was committed because the transaction aborted or failed (the run must stop).
    /// </summary>
    public List<TopicPartitionOffset>? Commit(IConsumer<byte[]?, byte[]?> consumer, Func<List<TopicPartitionOffset>> finishedOffsets)
    {
        lock (_gate)
        {
            if (_failed)
            {
                return null;
            }

            _closed = true;
            while (_inside > 0)
            {
                Monitor.Wait(_gate);
            }
        }

        try
        {
            return CommitClosed(consumer, finishedOffsets);
        }
        finally
        {
            lock (_gate)
            {
                _closed = false;
                var reopened = _reopened;
                _reopened = NewSignal();
                reopened.TrySetResult();
            }
        }
    }

    /// <summary>Partitions were lost: what the open transaction holds for them may no longer commit, so the next commit aborts it and fails the run.</summary>
    public void AbortOnLost()
    {
        lock (_gate)
        {
            _doomed |= _open;
        }
    }

    private List<TopicPartitionOffset>? CommitClosed(IConsumer<byte[]?, byte[]?> consumer, Func<List<TopicPartitionOffset>> finishedOffsets)
    {
        bool open, doomed;
        lock (_gate)
        {
            (open, doomed) = (_open, _doomed);
        }

        if (!open)
        {
            return [];
        }

        if (doomed)
        {
            Abort("a record wrote into the transaction and did not complete (it failed, was cancelled or its partition was lost), or an attempt that wrote into it failed afterwards (its unit of work rolled back)");
            return null;
        }

        var offsets = finishedOffsets();
        try
        {
            if (offsets.Count > 0)
            {
                _producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, Timeout);
            }

            _producer.CommitTransaction(Timeout);
        }
        catch (KafkaException e)
        {
            Log.TransactionCommitFailed(_logger, TransactionalId, Describe.Offsets(offsets), e);
            if (e.Error.IsFatal || e is not KafkaTxnRequiresAbortException)
            {
                Fail(e);
            }
            else
            {
                Abort(e.Error.Reason);
            }

            return null;
        }

        lock (_gate)
        {
            _open = false;
            foreach (var replayed in _replayedInOpen)
            {
                _refusedSends.Remove(replayed);
            }

            _replayedInOpen.Clear();
            _refusedInOpen.Clear();
        }

        if (offsets.Count > 0)
        {
            CommitOffsetsAgainIfNotStored(consumer, offsets);
        }

        return offsets;
    }

    /// <summary>
    /// librdkafka's mock cluster (the embedded cluster) accepts offsets sent to a transaction but never stores them for
    /// the group. Checked once per run: if the offsets of the first commit are not visible, every later commit also
    /// commits them outside the transaction, after it committed (the same offsets: harmless where they are stored).
    /// </summary>
    private void CommitOffsetsAgainIfNotStored(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> offsets)
    {
        try
        {
            if (!_checkedOffsets)
            {
                _checkedOffsets = true;
                var stored = consumer.Committed(offsets.ConvertAll(o => o.TopicPartition), Timeout);
                _commitOffsetsAgain = !offsets.All(o => stored.Any(s => s.TopicPartition == o.TopicPartition && s.Offset == o.Offset));
                if (_commitOffsetsAgain)
                {
                    Log.TransactionOffsetsNotStored(_logger, TransactionalId);
                }
            }

            if (_commitOffsetsAgain)
            {
                consumer.Commit(offsets);
            }
        }
        catch (KafkaException e)
        {
            Log.TransactionOffsetsCheckFailed(_logger, TransactionalId, e);
        }
    }

    private void Abort(string reason)
    {
        lock (_gate)
        {
            foreach (var (record, refusal) in _refusedInOpen)
            {
                _refusedSends.Add(record, refusal);
                Log.TransactionSendRefused(_logger, TransactionalId, record.Topic, record.Partition.Value, record.Offset.Value, refusal.Topic, refusal.Error.Message);
            }

            if (_refusedInOpen.Count > 0)
            {
                reason = $"the broker refused a send for good ({_refusedInOpen[0].Refusal.Error.Message})";
            }

            _refusedInOpen.Clear();
            _replayedInOpen.Clear();
        }

        Log.TransactionAborted(_logger, TransactionalId, reason);
        try
        {
            _producer.AbortTransaction(Timeout);
        }
        catch (KafkaException e)
        {
            Fail(e);
            return;
        }

        Fail(new ConveyorException($"The Kafka transaction of '{TransactionalId}' was aborted: {reason}. Nothing it wrote is committed; the consumer restarts from the offsets the last transaction committed."));
    }

    private void Fail(Exception error)
    {
        lock (_gate)
        {
            _failed = true;
            _open = false;
            Error = error is KafkaException { Error.Code: ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch } fenced
                ? new ConveyorException($"The transactional producer '{TransactionalId}' was fenced: another instance with the same transactional id started ({fenced.Error.Reason}). This one stops; give every instance its own TransactionalId.", fenced)
                : error;
        }
    }

    /// <summary>Why the run failed, once <see cref="Failed"/>.</summary>
    public Exception? Error { get; private set; }

    public void Dispose()
    {
        lock (_gate)
        {
            _failed = true;
            _reopened.TrySetResult();
        }

        _producer.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
