namespace Conveyor.Channels.InMemory;

/// <summary>
/// An ordered in-process queue. It behaves like one Kafka partition consumed by one group: the head message
/// stays in place until it is acknowledged, <see cref="Acknowledgement.Release"/> redelivers it after
/// <see cref="InMemoryChannelOptions.ReleaseDelay"/> with nothing behind it overtaking, and a message sent with a due
/// time (a delayed retry, a <see cref="DelayedAttribute"/> handler's message) waits on the <see cref="TimeProvider"/>
/// for any delay and then joins the tail.
/// </summary>
public sealed class InMemoryChannel : IReceivingChannel
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _queue = new();
    private readonly List<TransportMessage> _sent = [];
    private readonly HashSet<ITimer> _scheduled = [];
    private readonly TimeProvider _time;
    private readonly InMemoryChannelOptions _options;
    private readonly SemaphoreSlim _consumer = new(1, 1);
    private TaskCompletionSource _arrived = NewSignal();
    private long _enqueued;

    /// <summary>Creates the channel.</summary>
    /// <param name="name">The channel name.</param>
    /// <param name="options">Its options.</param>
    /// <param name="time">The clock for release and retry delays.</param>
    public InMemoryChannel(string name, InMemoryChannelOptions? options = null, TimeProvider? time = null)
    {
        Name = name;
        _options = options ?? new InMemoryChannelOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public ChannelCapabilities Capabilities { get; } = new()
    {
        CanReceive = true,
        KeepsOrderOnRelease = true,
        MaxDeliveryDelay = Timeout.InfiniteTimeSpan,
        ReportsLag = true,
        CanPause = true,
        DeliversBatches = true,
    };

    /// <summary>For batch handlers: the most messages delivered in one batch — those at the head of the queue and due.</summary>
    internal const int MaxBatchSize = 100;

    /// <inheritdoc />
    public Failures.DeadLetters.IDeadLetterStore? DeadLetters => null;

    /// <inheritdoc />
    public FinalFailureStrategy? FinalFailureStrategy => null;

    /// <summary>Messages waiting in the queue (deliverable now or released for later).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Messages scheduled for later delivery that have not joined the queue yet.</summary>
    public int ScheduledCount
    {
        get
        {
            lock (_gate)
            {
                return _scheduled.Count;
            }
        }
    }

    /// <summary>Every message ever sent to this channel, in order, when <see cref="InMemoryChannelOptions.RecordSentMessages"/> is on.</summary>
    public IReadOnlyList<TransportMessage> SentMessages
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<long?> GetLagAsync(CancellationToken cancellationToken) => ValueTask.FromResult<long?>(Count + ScheduledCount);

    /// <inheritdoc />
    public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        Deliver(message, record: true);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        Deliver(message, record: false);
        return ValueTask.CompletedTask;
    }

    private void Deliver(TransportMessage message, bool record)
    {
        if (message.DeliverAt is { } due && due - _time.GetUtcNow() is { Ticks: > 0 } delay)
        {
            if (record && _options.RecordSentMessages)
            {
                lock (_gate)
                {
                    _sent.Add(message);
                }
            }

            Schedule(message, delay);
            return;
        }

        Enqueue(message, record);
    }

    /// <inheritdoc />
    public async Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        await AcquireConsumerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReceiveLoopAsync(handler, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _consumer.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>Takes the head of the queue when it is due; never waits. It cannot run beside a receive loop of the same channel.</remarks>
    public async ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        await AcquireConsumerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Entry? head;
            lock (_gate)
            {
                head = _queue.First?.Value;
            }

            return head is null || head.NotBefore > _time.GetUtcNow() ? null : await HandleAsync(head, handler).ConfigureAwait(false);
        }
        finally
        {
            _consumer.Release();
        }
    }

    private async ValueTask AcquireConsumerAsync(CancellationToken cancellationToken)
    {
        if (!await _consumer.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Channel '{Name}' is already being consumed; an in-memory channel has one consumer so that its order holds.");
        }
    }

    private async ValueTask<Acknowledgement> HandleAsync(Entry head, InboundMessageHandler handler, InboundBatch? batch = null, int index = 0)
    {
        // An in-memory channel never loses a message it handed out, so the handler's token is never cancelled;
        // a stop (cancellationToken) lets the message finish and ends the loop after it.
        var inbound = new Inbound(head.Message, this, head.Sequence) { Batch = batch, BatchIndex = index };
        var acknowledgement = await handler(inbound, CancellationToken.None).ConfigureAwait(false);
        switch (acknowledgement)
        {
            case Acknowledgement.Completed:
                lock (_gate)
                {
                    _queue.Remove(head);
                }

                break;
            case Acknowledgement.Release:
                head.NotBefore = _time.GetUtcNow() + _options.ReleaseDelay;
                break;
        }

        return acknowledgement;
    }

    private async Task<ReceiveSummary> ReceiveLoopAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
    {
        long completed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (options.Pause is { } pause)
            {
                await pause.WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }

            Entry? head;
            Task arrived;
            lock (_gate)
            {
                head = _queue.First?.Value;
                arrived = _arrived.Task;
            }

            var now = _time.GetUtcNow();
            if (head is null || head.NotBefore > now)
            {
                if (options.StopWhenEmpty)
                {
                    break;
                }

                await WaitAsync(arrived, head is null ? null : head.NotBefore - now, options.Pause?.WhenPaused, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (options.Batched)
            {
                var (done, stoppedOn) = await HandleBatchAsync(now, handler).ConfigureAwait(false);
                completed += done;
                if (stoppedOn is not null)
                {
                    return new ReceiveSummary(completed, stoppedOn);
                }

                continue;
            }

            switch (await HandleAsync(head, handler).ConfigureAwait(false))
            {
                case Acknowledgement.Completed:
                    completed++;
                    break;
                case Acknowledgement.Stop:
                    return new ReceiveSummary(completed, head.Message.MessageId);
            }
        }

        return new ReceiveSummary(completed);
    }

    /// <summary>
    /// For batch handlers: the due messages at the head of the queue, up to <see cref="MaxBatchSize"/>, handed over at
    /// once as one <see cref="InboundBatch"/>; each is then acknowledged by its own answer.
    /// </summary>
    private async Task<(long Completed, string? StoppedOn)> HandleBatchAsync(DateTimeOffset now, InboundMessageHandler handler)
    {
        var entries = new List<Entry>(MaxBatchSize);
        lock (_gate)
        {
            for (var node = _queue.First; node is not null && entries.Count < MaxBatchSize && node.Value.NotBefore <= now; node = node.Next)
            {
                entries.Add(node.Value);
            }
        }

        var batch = new InboundBatch(entries.Count);
        var running = new Task<Acknowledgement>[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            running[i] = HandleAsync(entries[i], handler, batch, i).AsTask();
        }

        long completed = 0;
        string? stoppedOn = null;
        for (var i = 0; i < running.Length; i++)
        {
            switch (await running[i].ConfigureAwait(false))
            {
                case Acknowledgement.Completed:
                    completed++;
                    break;
                case Acknowledgement.Stop:
                    stoppedOn ??= entries[i].Message.MessageId;
                    break;
            }
        }

        return (completed, stoppedOn);
    }

    private async Task WaitAsync(Task arrived, TimeSpan? due, Task? paused, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var waits = new List<Task>(4) { arrived, Task.Delay(Timeout.Infinite, stop.Token) };
        if (paused is not null)
        {
            waits.Add(paused);
        }

        if (due is { } delay)
        {
            waits.Add(Task.Delay(delay, _time, stop.Token));
        }

        await Task.WhenAny(waits).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
    }

    private void Schedule(TransportMessage message, TimeSpan delay)
    {
        lock (_gate)
        {
            ITimer? timer = null;
            timer = _time.CreateTimer(
                _ =>
                {
                    lock (_gate)
                    {
                        if (timer is null || !_scheduled.Remove(timer))
                        {
                            return;
                        }
                    }

                    timer.Dispose();
                    Enqueue(message, record: false);
                },
                null,
                delay,
                Timeout.InfiniteTimeSpan);
            _scheduled.Add(timer);
        }
    }

    private void Enqueue(TransportMessage message, bool record)
    {
        TaskCompletionSource arrived;
        lock (_gate)
        {
            _queue.AddLast(new Entry(message, ++_enqueued));
            if (record && _options.RecordSentMessages)
            {
                _sent.Add(message);
            }

            arrived = _arrived;
            _arrived = NewSignal();
        }

        arrived.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Entry(TransportMessage message, long sequence)
    {
        public TransportMessage Message { get; } = message;

        /// <summary>Its place in the order messages were enqueued; a released message keeps it.</summary>
        public long Sequence { get; } = sequence;

        public DateTimeOffset NotBefore { get; set; } = DateTimeOffset.MinValue;
    }

    private sealed class Inbound(TransportMessage message, InMemoryChannel channel, long sequence) : InboundMessage(message, channel.Name)
    {
        // A message without an id is told apart by its place in the queue: the position is a dead letter's message id then.
        public override string Position => Message.MessageId is { } id ? $"{channel.Name}#{id}" : $"{channel.Name}@{sequence}";

        public override ValueTask ResendAsync(TransportMessage message, CancellationToken cancellationToken) =>
            channel.SendAsync(message, cancellationToken);
    }
}
