using System.Diagnostics;
using Conveyor.Scheduling;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.Logging;

namespace Conveyor.Storage;

/// <summary>
/// A durable scheduler over a table of scheduled messages with leases: the poll loop every database store package
/// shares, over the package's SQL (<see cref="LeaseAsync"/> and the other abstract members).
/// </summary>
/// <remarks>
/// <para>
/// A source file each store package compiles (src/Shared), not a public core type: the loop is the packages'
/// implementation detail, and a public base class would be an API to keep stable for no user; its members would have
/// to be documented, versioned and analysed as public. Each package gets the same loop, fixed in one place.
/// </para>
/// <para>
/// The poll loop takes due messages with a lease (an owner and an expiry on the database clock) in one statement,
/// sends each, then deletes it: a crash between the send and the delete sends it again once the lease runs out (at
/// least once, never lost). A delivery that throws leaves the message, tried again after a back-off. The lease is
/// renewed while a batch is delivered; when it was lost, the batch stops, since another instance has the messages.
/// </para>
/// <para>
/// Due times are on the application's <see cref="TimeProvider"/>. Messages that fell due while no instance ran are
/// delivered as soon as one polls, in due order: late, never skipped. The first poll waits a random part of the poll
/// interval; a message scheduled by this instance wakes the loop at once, one scheduled by another is seen within the
/// poll interval.
/// </para>
/// </remarks>
internal abstract class LeasedMessageScheduler(DatabaseStoreOptions options, TimeProvider time, ILogger logger) : IMessageScheduler
{
    private static readonly Backoff RetryBackoff = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0.2);
    private static readonly Backoff PollBackoff = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0.2);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completes once the delivery in progress is settled: sent and deleted, or failed and put back.
    private volatile Task _settled = Task.CompletedTask;

    public bool IsDurable => true;

    /// <summary>This instance's lease owner: unique per scheduler, readable in the table.</summary>
    protected string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>How long a lease lasts, in milliseconds of the database clock.</summary>
    protected long LeaseMilliseconds { get; } = (long)options.SchedulerLease.TotalMilliseconds;

    /// <summary>The batch size <see cref="LeaseAsync"/> takes at most.</summary>
    protected int BatchSize => options.SchedulerBatchSize;

    /// <summary>The application's clock, which due times are on.</summary>
    protected TimeProvider Time => time;

    /// <summary>The database, for log messages: e.g. <c>SQLite /data/conveyor.db</c>.</summary>
    protected abstract string StoreName { get; }

    public abstract ValueTask ScheduleAsync(ScheduledMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Counts the scheduled messages, after waiting for a delivery in progress to settle, so that a message its channel
    /// already has is never counted (its row is deleted just after the send).
    /// </summary>
    public async ValueTask<long> CountPendingAsync(CancellationToken cancellationToken)
    {
        await _settled.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await CountAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RunAsync(ScheduledDelivery deliver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliver);

        // Read before the first await, so that a clock moved right after the start counts towards the first poll.
        var firstPoll = time.GetUtcNow() + (options.SchedulerPollInterval * Random.Shared.NextDouble());
        var failures = 0;
        try
        {
            await WaitUntilAsync(firstPoll, _wake.Task, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                // Taken before the poll: a message scheduled while it runs ends the wait after it.
                var wake = _wake.Task;
                DateTimeOffset next;
                try
                {
                    if (await PollAsync(deliver, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    next = await NextDueAsync(cancellationToken).ConfigureAwait(false) is { } ticks
                        ? new DateTimeOffset(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero)
                        : DateTimeOffset.MaxValue;
                    if (failures > 0)
                    {
                        StorageLog.SchedulerRecovered(logger, StoreName, failures);
                        failures = 0;
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Logged when it starts failing, not on every attempt; the loop never ends the host.
                    if (failures++ == 0)
                    {
                        StorageLog.SchedulerPollFailed(logger, e, StoreName);
                    }

                    next = time.GetUtcNow() + PollBackoff.DelayFor(failures);
                }

                var poll = time.GetUtcNow() + options.SchedulerPollInterval;
                await WaitUntilAsync(next < poll ? next : poll, wake, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The leases run out by themselves.
                StorageLog.SchedulerReleaseFailed(logger, e, StoreName);
            }
        }
    }

    /// <summary>Counts the rows of the table.</summary>
    protected abstract ValueTask<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Takes up to <see cref="BatchSize"/> messages whose next attempt is at or before <paramref name="nowTicks"/> and
    /// that nobody holds (or whose holder's lease ran out) under a lease of <see cref="Owner"/>, in one statement, so that
    /// two instances never take the same message; returns them in due order.
    /// </summary>
    protected abstract Task<List<LeasedMessage>> LeaseAsync(long nowTicks, CancellationToken cancellationToken);

    /// <summary>Renews the leases <see cref="Owner"/> holds; returns how many it still holds.</summary>
    protected abstract Task<int> RenewAsync(CancellationToken cancellationToken);

    /// <summary>Deletes a sent message while <see cref="Owner"/> holds its lease; false when it no longer did.</summary>
    protected abstract Task<bool> DeliveredAsync(long id);

    /// <summary>Counts a failed attempt and hands the message back, to be tried at <paramref name="nextAttemptTicks"/>.</summary>
    protected abstract Task FailedAsync(long id, long nextAttemptTicks);

    /// <summary>When the next message nobody else holds is due (UTC ticks); null when there is none.</summary>
    protected abstract Task<long?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>Hands back every lease of <see cref="Owner"/>, when the scheduler stops.</summary>
    protected abstract Task ReleaseAsync();

    /// <summary>Wakes the poll loop at once: a message was scheduled by this instance.</summary>
    protected void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>A participant that wakes the poll loop once the handler's unit of work that scheduled a message committed.</summary>
    protected IUnitOfWorkParticipant WakeOnCommit() => new OnCommit(Wake);

    /// <summary>Takes a batch of due messages and delivers them; true when the batch was full (more may be due).</summary>
    private async Task<bool> PollAsync(ScheduledDelivery deliver, CancellationToken cancellationToken)
    {
        var batch = await LeaseAsync(time.GetUtcNow().UtcTicks, cancellationToken).ConfigureAwait(false);
        var held = Stopwatch.StartNew();
        for (var i = 0; i < batch.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (held.Elapsed > options.SchedulerLease / 3)
            {
                var renewed = await RenewAsync(cancellationToken).ConfigureAwait(false);
                held.Restart();
                if (renewed < batch.Count - i)
                {
                    StorageLog.SchedulerLeaseLost(logger, batch.Count - i - renewed, StoreName);
                    return false;
                }
            }

            var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _settled = settled.Task;
            try
            {
                await DeliverOneAsync(deliver, batch[i], cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                settled.TrySetResult();
            }
        }

        return batch.Count == options.SchedulerBatchSize;
    }

    private async Task DeliverOneAsync(ScheduledDelivery deliver, LeasedMessage leased, CancellationToken cancellationToken)
    {
        var (id, message, attempts) = leased;
        try
        {
            await deliver(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var delay = RetryBackoff.DelayFor(attempts + 1);
            StorageLog.SchedulerDeliveryFailed(logger, e, message.Message.MessageId, message.Channel, attempts + 1, delay);
            await FailedAsync(id, (time.GetUtcNow() + delay).UtcTicks).ConfigureAwait(false);
            return;
        }

        // Not cancelled by a stop: the channel has the message, so the row must go.
        if (!await DeliveredAsync(id).ConfigureAwait(false))
        {
            StorageLog.SchedulerLeaseLost(logger, 1, StoreName);
        }
    }

    /// <summary>Waits until <paramref name="until"/> on the clock, or until <paramref name="wake"/> completes.</summary>
    private async Task WaitUntilAsync(DateTimeOffset until, Task wake, CancellationToken cancellationToken)
    {
        var delay = until - time.GetUtcNow();
        if (delay <= TimeSpan.Zero || wake.IsCompleted)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, time, stop.Token);

        // A clock moved between reading it and starting the timer makes the timer count from the later time: look again.
        if (time.GetUtcNow() < until)
        {
            await Task.WhenAny(timer, wake).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>A message taken under a lease: its row id, the message, and how many attempts failed before.</summary>
    protected internal readonly record struct LeasedMessage(long Id, ScheduledMessage Message, int Attempts);
}
