using System.Diagnostics;
using Conveyor.Scheduling;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sqlite.Scheduling;

/// <summary>
/// Scheduled messages in the <c>conveyor_scheduled</c> table: they survive a restart, and several application
/// instances on one database file share them, each message delivered by one of them.
/// </summary>
/// <remarks>
/// <para>
/// The poll loop takes due messages with a lease (an owner and an expiry on the database clock) in one statement,
/// sends each, then deletes it: a crash between the send and the delete sends it again once the lease runs out (at
/// least once, never lost). A delivery that throws leaves the message, tried again after a back-off. The lease is
/// renewed while a batch is delivered; when it was lost, the batch stops, since another instance has the messages.
/// </para>
/// <para>
/// Due times are on the application's <see cref="TimeProvider"/> (for SQLite, a local file, the same machine's
/// clock as the database's). Messages that fell due while no instance ran are delivered as soon as one polls, in due
/// order: late, never skipped. The first poll waits a random part of the poll interval; a message scheduled by this
/// instance wakes the loop at once, one scheduled by another is seen within the poll interval.
/// </para>
/// </remarks>
internal sealed class SqliteMessageScheduler(SqliteDatabase database, SqliteOptions options, TimeProvider time, ILogger<SqliteMessageScheduler> logger)
    : IMessageScheduler
{
    private static readonly Backoff RetryBackoff = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0.2);
    private static readonly Backoff PollBackoff = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0.2);
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly long _leaseMilliseconds = (long)options.SchedulerLease.TotalMilliseconds;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completes once the delivery in progress is settled: sent and deleted, or failed and put back.
    private volatile Task _settled = Task.CompletedTask;

    public bool IsDurable => true;

    public async ValueTask ScheduleAsync(ScheduledMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = StoredHeaders.Encode(message.Message.Headers);
        var body = message.Message.Body.ToArray();
        var joined = SqliteAmbientUnitOfWork.Current is { } ambient && ambient.Database == database ? ambient : null;
        await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, SchedulerSql.Schedule);
                command.Parameters.AddWithValue("$channel", message.Channel);
                command.Parameters.AddWithValue("$redeliver", message.Redeliver);
                command.Parameters.AddWithValue("$headers", headers);
                command.Parameters.AddWithValue("$body", body);
                command.Parameters.AddWithValue("$due_at", message.DueAt.UtcTicks);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

        // Written in a handler's unit of work, the message exists for the poll loop once that commits.
        if (joined is not null)
        {
            joined.Enlist(new WakeOnCommit(this));
        }
        else
        {
            Wake();
        }
    }

    /// <summary>
    /// Counts the scheduled messages, after waiting for a delivery in progress to settle, so that a message its channel
    /// already has is never counted (its row is deleted just after the send).
    /// </summary>
    public async ValueTask<long> CountPendingAsync(CancellationToken cancellationToken)
    {
        await _settled.WaitAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = SchedulerSql.CountPending;
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
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

                    next = await NextDueAsync(cancellationToken).ConfigureAwait(false);
                    if (failures > 0)
                    {
                        Log.SchedulerRecovered(logger, database.FilePath, failures);
                        failures = 0;
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Logged when it starts failing, not on every attempt; the loop never ends the host.
                    if (failures++ == 0)
                    {
                        Log.SchedulerPollFailed(logger, e, database.FilePath);
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
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes a batch of due messages and delivers them; true when the batch was full (more may be due).</summary>
    private async Task<bool> PollAsync(ScheduledDelivery deliver, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        var batch = await database.WriteAsync((connection, transaction) => Lease(connection, transaction, now), cancellationToken).ConfigureAwait(false);
        var held = Stopwatch.StartNew();
        for (var i = 0; i < batch.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (held.Elapsed > options.SchedulerLease / 3)
            {
                var renewed = await WriteAsync(SchedulerSql.Renew, null, null, cancellationToken).ConfigureAwait(false);
                held.Restart();
                if (renewed < batch.Count - i)
                {
                    Log.SchedulerLeaseLost(logger, batch.Count - i - renewed, database.FilePath);
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

    private async Task DeliverOneAsync(ScheduledDelivery deliver, (long Id, ScheduledMessage Message, int Attempts) leased, CancellationToken cancellationToken)
    {
        var (id, message, attempts) = leased;
        try
        {
            await deliver(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var delay = RetryBackoff.DelayFor(attempts + 1);
            Log.SchedulerDeliveryFailed(logger, e, message.Message.MessageId, message.Channel, attempts + 1, delay);
            await WriteAsync(SchedulerSql.Failed, id, (time.GetUtcNow() + delay).UtcTicks, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        // Not cancelled by a stop: the channel has the message, so the row must go.
        if (await WriteAsync(SchedulerSql.Delivered, id, null, CancellationToken.None).ConfigureAwait(false) == 0)
        {
            Log.SchedulerLeaseLost(logger, 1, database.FilePath);
        }
    }

    private List<(long Id, ScheduledMessage Message, int Attempts)> Lease(SqliteConnection connection, SqliteTransaction transaction, long now)
    {
        using var command = Command(connection, transaction, SchedulerSql.Lease);
        command.Parameters.AddWithValue("$owner", _owner);
        command.Parameters.AddWithValue("$lease_ms", _leaseMilliseconds);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$limit", options.SchedulerBatchSize);
        var rows = new List<(long NextAttempt, long Id, ScheduledMessage Message, int Attempts)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var message = new TransportMessage(StoredHeaders.Decode((byte[])reader.GetValue(3)), (byte[])reader.GetValue(4));
                var scheduled = new ScheduledMessage(reader.GetString(1), message, new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero), reader.GetBoolean(2));
                rows.Add((reader.GetInt64(6), reader.GetInt64(0), scheduled, reader.GetInt32(7)));
            }
        }

        // RETURNING gives no order: deliver in due order.
        rows.Sort((a, b) => a.NextAttempt != b.NextAttempt ? a.NextAttempt.CompareTo(b.NextAttempt) : a.Id.CompareTo(b.Id));
        return rows.ConvertAll(r => (r.Id, r.Message, r.Attempts));
    }

    private async Task<DateTimeOffset> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = SchedulerSql.NextDue;
        command.Parameters.AddWithValue("$owner", _owner);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks
            ? new DateTimeOffset(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero)
            : DateTimeOffset.MaxValue;
    }

    private ValueTask<int> WriteAsync(string sql, long? id, long? nextAttemptAt, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, sql);
                command.Parameters.AddWithValue("$owner", _owner);
                command.Parameters.AddWithValue("$lease_ms", _leaseMilliseconds);
                command.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
                command.Parameters.AddWithValue("$next_attempt_at", (object?)nextAttemptAt ?? DBNull.Value);
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    private async Task ReleaseAsync()
    {
        try
        {
            await WriteAsync(SchedulerSql.Release, null, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The leases run out by themselves.
            Log.SchedulerReleaseFailed(logger, e, database.FilePath);
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

    private void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Wakes the poll loop once the handler's unit of work that scheduled a message committed.</summary>
    private sealed class WakeOnCommit(SqliteMessageScheduler scheduler) : IUnitOfWorkParticipant
    {
        public ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            scheduler.Wake();
            return ValueTask.CompletedTask;
        }

        public ValueTask RollbackAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
