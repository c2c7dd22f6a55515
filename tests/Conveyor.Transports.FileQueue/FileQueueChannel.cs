using System.Globalization;
using System.Text.Json;
using Conveyor.Channels;

namespace Conveyor.Transports.FileQueue;

/// <summary>
/// A channel whose queue is a directory: a message is a JSON file named by a sequence number, so the directory listing
/// is the queue's order. Completing a message deletes its file; a released message stays first and is delivered again
/// after <see cref="FileQueueOptions.ReleaseDelay"/>; a message with a due time stays in its place, skipped until due,
/// so it holds up nothing behind it. One consumer at a time, like a partition.
/// </summary>
public sealed class FileQueueChannel : IReceivingChannel
{
    private const string Extension = ".json";
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _released = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _consumer = new(1, 1);
    private readonly FileQueueOptions _options;
    private readonly TimeProvider _time;
    private long _sequence;
    private TaskCompletionSource _arrived = NewSignal();

    /// <summary>Creates the channel, and its directory when missing.</summary>
    /// <param name="name">The channel name.</param>
    /// <param name="options">Its options.</param>
    /// <param name="time">The clock for due times and release delays.</param>
    public FileQueueChannel(string name, FileQueueOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        Name = name;
        _options = options;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(options.Directory);

        // Carry on after the files already there, e.g. those a previous process left.
        _sequence = Files().Select(f => long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
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
    };

    /// <inheritdoc />
    public Failures.DeadLetters.IDeadLetterStore? DeadLetters => null;

    /// <inheritdoc />
    public FinalFailureStrategy? FinalFailureStrategy => null;

    /// <inheritdoc />
    public ValueTask<long?> GetLagAsync(CancellationToken cancellationToken) => ValueTask.FromResult<long?>(Files().Length);

    /// <inheritdoc />
    public async ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var entry = new FileQueueEntry(new Dictionary<string, string>(message.Headers, StringComparer.Ordinal), message.Body.ToArray());
        var sequence = Interlocked.Increment(ref _sequence);
        var file = Path.Combine(_options.Directory, sequence.ToString("D19", CultureInfo.InvariantCulture) + Extension);

        // Written aside, then renamed: a consumer never reads half a file.
        var temporary = Path.Combine(_options.Directory, $".{sequence}.tmp");
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(entry), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, file);
        TaskCompletionSource arrived;
        lock (_gate)
        {
            arrived = _arrived;
            _arrived = NewSignal();
        }

        arrived.TrySetResult();
    }

    /// <inheritdoc />
    /// <remarks>A directory has one consumer, so redelivering is sending.</remarks>
    public ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken) => SendAsync(message, cancellationToken);

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
    public async ValueTask<Acknowledgement?> TryReceiveAsync(InboundMessageHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        await AcquireConsumerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return FindNext(_time.GetUtcNow()).Next is { } next ? await HandleAsync(next, handler).ConfigureAwait(false) : null;
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
            throw new InvalidOperationException($"Channel '{Name}' is already being consumed; a file queue has one consumer so that its order holds.");
        }
    }

    private async ValueTask<Acknowledgement> HandleAsync(FileQueueInboundMessage next, InboundMessageHandler handler)
    {
        // Files never vanish under their only consumer, so the handler's token is never cancelled; a stop lets the
        // message finish and ends the loop after it.
        var acknowledgement = await handler(next, CancellationToken.None).ConfigureAwait(false);
        switch (acknowledgement)
        {
            case Acknowledgement.Completed:
                File.Delete(next.File);
                lock (_gate)
                {
                    _released.Remove(next.File);
                }

                break;
            case Acknowledgement.Release:
                lock (_gate)
                {
                    _released[next.File] = _time.GetUtcNow() + _options.ReleaseDelay;
                }

                break;
        }

        return acknowledgement;
    }

    private async Task<ReceiveSummary> ReceiveLoopAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
    {
        long completed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            Task arrived;
            lock (_gate)
            {
                arrived = _arrived.Task;
            }

            var (next, wakeAt) = FindNext(_time.GetUtcNow());
            if (next is null)
            {
                if (options.StopWhenEmpty)
                {
                    break;
                }

                await WaitAsync(arrived, wakeAt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            switch (await HandleAsync(next, handler).ConfigureAwait(false))
            {
                case Acknowledgement.Completed:
                    completed++;
                    break;
                case Acknowledgement.Stop:
                    return new ReceiveSummary(completed, next.Message.MessageId ?? next.Position);
            }
        }

        return new ReceiveSummary(completed);
    }

    // The first file that is due, or none and when to look again: a released file holds everything behind it until its
    // delay passed; a file with a due time in the future is skipped.
    private (FileQueueInboundMessage? Next, DateTimeOffset? WakeAt) FindNext(DateTimeOffset now)
    {
        DateTimeOffset? wakeAt = null;
        foreach (var file in Files())
        {
            DateTimeOffset releasedUntil;
            bool released;
            lock (_gate)
            {
                released = _released.TryGetValue(file, out releasedUntil);
            }

            if (released && releasedUntil > now)
            {
                return (null, Earliest(wakeAt, releasedUntil));
            }

            var (message, error) = Read(file);
            if (error is null && message.DeliverAt is { } due && due > now)
            {
                wakeAt = Earliest(wakeAt, due);
                continue;
            }

            return (new FileQueueInboundMessage(message, this, file, error), wakeAt);
        }

        return (null, wakeAt);
    }

    private async Task WaitAsync(Task arrived, DateTimeOffset? wakeAt, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        List<Task> waits = [arrived, Task.Delay(Timeout.Infinite, stop.Token), Task.Delay(_options.PollInterval, _time, stop.Token)];
        if (wakeAt is { } at)
        {
            var delay = at - _time.GetUtcNow();
            waits.Add(Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _time, stop.Token));
        }

        await Task.WhenAny(waits).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
    }

    private static (TransportMessage Message, string? ReadError) Read(string file)
    {
        var bytes = File.ReadAllBytes(file);
        try
        {
            var entry = JsonSerializer.Deserialize<FileQueueEntry>(bytes) ?? throw new JsonException("The file holds null.");
            return (new TransportMessage(new MessageHeaders(entry.Headers), entry.Body), null);
        }
        catch (JsonException e)
        {
            // Not a message this transport wrote: delivered as it is, for the pipeline to dead-letter with the reason.
            var headers = new MessageHeaders(1);
            headers.Set(MessageHeaderNames.MessageId, Path.GetFileNameWithoutExtension(file));
            return (new TransportMessage(headers, bytes), $"{Path.GetFileName(file)} is not a message file: {e.Message}");
        }
    }

    private string[] Files()
    {
        var files = Directory.GetFiles(_options.Directory, "*" + Extension);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } known && known < b ? known : b;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
