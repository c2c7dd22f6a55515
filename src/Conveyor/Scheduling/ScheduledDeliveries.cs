using Conveyor.Outgoing;

namespace Conveyor.Scheduling;

/// <summary>
/// Runs the application's <see cref="IMessageScheduler"/> with the outgoing path as its delivery: in the host (a hosted
/// service), for the length of a <c>conveyor run</c>, and in a flow test. One run at a time; a second caller shares it.
/// </summary>
internal sealed class ScheduledDeliveries(IMessageScheduler scheduler, MessageSender sender)
{
    private readonly Lock _gate = new();
    private Task? _running;
    private CancellationTokenSource? _stop;
    private int _users;

    private async Task RunAfterAsync(Task previous, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await scheduler.RunAsync(sender.DeliverScheduledAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Delivers due messages until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task running;
        lock (_gate)
        {
            if (_users++ == 0)
            {
                // A run that is still stopping finishes first: a scheduler runs once at a time.
                _stop = new CancellationTokenSource();
                _running = RunAfterAsync(_running ?? Task.CompletedTask, _stop.Token);
            }

            running = _running!;
        }

        try
        {
            await Task.WhenAny(running, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            CancellationTokenSource? stop = null;
            lock (_gate)
            {
                if (--_users == 0)
                {
                    stop = _stop;
                    _stop = null;
                }
            }

            if (stop is not null)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await running.ConfigureAwait(false);
                stop.Dispose();
            }
        }
    }
}
