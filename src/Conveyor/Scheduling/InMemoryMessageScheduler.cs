using Conveyor.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Conveyor.Scheduling;

/// <summary>
/// Schedules messages in process memory on the application's <see cref="TimeProvider"/>: a timer per message, so a
/// fake clock fires them as it moves. Messages are lost when the process stops; use a database scheduler for delays
/// that must survive a restart.
/// </summary>
/// <param name="time">The clock.</param>
/// <param name="logger">Logs failed deliveries.</param>
public sealed class InMemoryMessageScheduler(TimeProvider time, ILogger<InMemoryMessageScheduler> logger) : IMessageScheduler
{
    private static readonly Backoff RetryBackoff = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0.2);
    private readonly Lock _gate = new();
    private readonly Dictionary<ScheduledMessage, ITimer?> _pending = new(ReferenceEqualityComparer.Instance);
    private ScheduledDelivery? _deliver;
    private CancellationToken _stopping;

    /// <inheritdoc />
    public bool IsDurable => false;

    /// <inheritdoc />
    public ValueTask ScheduleAsync(ScheduledMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            _pending.Add(message, null);
            if (_deliver is not null)
            {
                Arm(message, message.DueAt - time.GetUtcNow(), attempt: 0);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<long> CountPendingAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<long>(_pending.Count);
        }
    }

    /// <inheritdoc />
    public async Task RunAsync(ScheduledDelivery deliver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        lock (_gate)
        {
            if (_deliver is not null)
            {
                throw new InvalidOperationException("The in-memory scheduler is already running.");
            }

            _deliver = deliver;
            _stopping = cancellationToken;
            var now = time.GetUtcNow();
            foreach (var message in _pending.Keys.ToList())
            {
                Arm(message, message.DueAt - now, attempt: 0);
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _deliver = null;
                foreach (var message in _pending.Keys.ToList())
                {
                    _pending[message]?.Dispose();
                    _pending[message] = null;
                }
            }
        }
    }

    // Under the gate.
    private void Arm(ScheduledMessage message, TimeSpan delay, int attempt)
    {
        _pending[message]?.Dispose();
        _pending[message] = time.CreateTimer(_ => Fire(message, attempt), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    // Runs on the timer: a fake clock runs it inside Advance, so an in-memory channel has the message when Advance returns.
    private void Fire(ScheduledMessage message, int attempt)
    {
        ScheduledDelivery? deliver;
        CancellationToken stopping;
        lock (_gate)
        {
            deliver = _deliver;
            stopping = _stopping;
            if (deliver is null || !_pending.ContainsKey(message))
            {
                return;
            }
        }

        ValueTask delivery;
        try
        {
            delivery = deliver(message, stopping);
        }
        catch (Exception e)
        {
            delivery = ValueTask.FromException(e);
        }

        if (delivery.IsCompletedSuccessfully)
        {
            Delivered(message);
        }
        else
        {
            _ = AwaitAsync(delivery, message, attempt);
        }
    }

    private async Task AwaitAsync(ValueTask delivery, ScheduledMessage message, int attempt)
    {
        try
        {
            await delivery.ConfigureAwait(false);
            Delivered(message);
        }
        catch (Exception e)
        {
            var delay = RetryBackoff.DelayFor(attempt + 1);
            Log.DeliveryFailed(logger, e, message.Message.MessageId, message.Channel, delay);
            lock (_gate)
            {
                if (_deliver is not null && _pending.ContainsKey(message))
                {
                    Arm(message, delay, attempt + 1);
                }
            }
        }
    }

    private void Delivered(ScheduledMessage message)
    {
        lock (_gate)
        {
            if (_pending.Remove(message, out var timer))
            {
                timer?.Dispose();
            }
        }
    }
}
