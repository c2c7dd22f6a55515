using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// One record handed to the producer with <c>Produce</c> and awaited until the broker acknowledged it, without a task
/// per record: the awaiter is a pooled value-task source completed by the producer's delivery report. A batch of
/// thousands of records is handed to librdkafka in one go and its acknowledgements complete these in place.
/// </summary>
/// <remarks>
/// An instance goes back to the pool only when both its delivery report arrived and its result was read: a send whose
/// wait was cancelled still gets its report later, which must not land on a reused instance. Continuations run on the
/// thread pool, never on the producer's delivery thread nor on a thread that cancels a wait: the completion of a send
/// that is awaited goes through <see cref="DeliveryCompletions"/>, which completes the acknowledgements of a burst on
/// one pool thread. A send that nothing awaits yet (a batch's records, handed over before the first is awaited) is
/// completed where its report arrives, as there is no continuation to run: its later await finds it done, without a
/// hand-off to the pool. An await that races with that completion has its continuation queued to the pool, never run
/// on the reporting thread (<see cref="ManualResetValueTaskSourceCore{TResult}.RunContinuationsAsynchronously"/>).
/// </remarks>
internal sealed class KafkaDelivery : IValueTaskSource, IValueTaskSource<KafkaDeliveryResult>
{
    // Bounded by the queue's own count, read without a write: a shared counter updated with an atomic operation by the
    // sending thread (rent) and the completing one (return) cost two contended writes per record. The bound may be
    // passed by the few returns that race one another.
    private const int PoolLimit = 16_384;
    private static readonly ConcurrentQueue<KafkaDelivery> Pool = new();

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };
    private readonly Action<DeliveryReport<byte[]?, byte[]?>> _onDelivered;
    private CancellationTokenRegistration _cancellation;
    private Action<TopicPartition, long>? _onWritten;
    private string? _messageId;
    private string _topic = "";
    private int _partition;
    private long _offset;
    private int _owners;
    private int _completed;

    // 1 once an awaiter registered its continuation (OnCompleted): its completion then goes through DeliveryCompletions.
    private int _awaited;
    private Exception? _error;

    private KafkaDelivery() => _onDelivered = OnDelivered;

    /// <summary>The delivery handler to pass to <c>Produce</c>.</summary>
    public Action<DeliveryReport<byte[]?, byte[]?>> Handler => _onDelivered;

    /// <summary>A delivery for one record; <paramref name="onWritten"/> learns its partition and offset once it is acknowledged.</summary>
    public static KafkaDelivery Rent(string? messageId, string topic, Action<TopicPartition, long>? onWritten)
    {
        if (!Pool.TryDequeue(out var delivery))
        {
            delivery = new KafkaDelivery();
        }

        delivery._messageId = messageId;
        delivery._topic = topic;
        delivery._onWritten = onWritten;
        delivery._owners = 2;
        delivery._completed = 0;
        delivery._awaited = 0;
        return delivery;
    }

    /// <summary>The record was never handed to the producer: no report will come.</summary>
    public void Abandon() => Release(2);

    /// <summary>Starts waiting; <paramref name="cancellationToken"/> stops the wait, not the record (it may still be written).</summary>
    public short Await(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((KafkaDelivery)state!).Complete(new OperationCanceledException(token)), this);
        }

        return _core.Version;
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        Volatile.Write(ref _awaited, 1);
        _core.OnCompleted(continuation, state, token, flags);
    }

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            Release(1);
        }
    }

    KafkaDeliveryResult IValueTaskSource<KafkaDeliveryResult>.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
            return new KafkaDeliveryResult(_topic, _partition, _offset);
        }
        finally
        {
            Release(1);
        }
    }

    private void OnDelivered(DeliveryReport<byte[]?, byte[]?> report)
    {
        if (report.Error.IsError)
        {
            Complete(KafkaSender.Translate(new ProduceException<byte[]?, byte[]?>(report.Error, report), _messageId, _topic));
        }
        else
        {
            _partition = report.Partition.Value;
            _offset = report.Offset.Value;
            _onWritten?.Invoke(report.TopicPartition, report.Offset.Value);
            Complete(null);
        }

        Release(1);
    }

    private void Complete(Exception? error)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        _error = error;
        if (Volatile.Read(ref _awaited) == 0)
        {
            // Nothing awaits it yet: no continuation to run, so it is completed here. One registered meanwhile is
            // queued to the pool by the completion, not run on this (the producer's delivery) thread.
            Finish(runContinuationAsynchronously: true);
        }
        else
        {
            DeliveryCompletions.Post(this);
        }
    }

    /// <summary>Completes the wait, running its continuation on the calling thread (a <see cref="DeliveryCompletions"/> drainer).</summary>
    public void RunCompletion() => Finish(runContinuationAsynchronously: false);

    private void Finish(bool runContinuationAsynchronously)
    {
        _core.RunContinuationsAsynchronously = runContinuationAsynchronously;
        if (_error is { } error)
        {
            _error = null;
            _core.SetException(error);
        }
        else
        {
            _core.SetResult(true);
        }
    }

    private void Release(int owners)
    {
        if (Interlocked.Add(ref _owners, -owners) != 0)
        {
            return;
        }

        // Waits for a cancellation callback that is running, so it cannot complete the next use.
        _cancellation.Dispose();
        _cancellation = default;
        _core.Reset();
        _messageId = null;
        _onWritten = null;
        if (Pool.Count < PoolLimit)
        {
            Pool.Enqueue(this);
        }
    }
}
