using System.Diagnostics;
using Conveyor.Channels;
using Shouldly;

namespace Conveyor.Compliance.Channels;

/// <summary>
/// The handler a compliance test gives a receive loop: records every delivery in order, answers with what the test
/// asked for, and lets the test wait until the deliveries meet a condition (checked on every delivery and every answer,
/// not on a timer).
/// </summary>
internal sealed class ReceiveProbe(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<Delivery> _deliveries = [];
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>What the handler does with a delivery; completes every message unless the test says otherwise.</summary>
    public Func<Delivery, CancellationToken, ValueTask<Acknowledgement>> Answer { get; init; } = (_, _) => ValueTask.FromResult(Acknowledgement.Completed);

    /// <summary>The deliveries so far, in the order the handler got them.</summary>
    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    /// <summary>The ids delivered so far, in order.</summary>
    public IReadOnlyList<string> Ids => [.. Deliveries.Select(d => d.Id)];

    public async ValueTask<Acknowledgement> HandleAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var id = message.Message.MessageId ?? throw new InvalidOperationException($"A message without an id reached the handler at {message.Position}.");
        Delivery delivery;
        lock (_gate)
        {
            var attempt = _attempts[id] = _attempts.GetValueOrDefault(id) + 1;
            delivery = new Delivery(id, message, time.GetUtcNow(), attempt);
            _deliveries.Add(delivery);
        }

        Signal();
        try
        {
            return await Answer(delivery, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Again once answered: a condition on what the answer saw is checked as soon as it can hold, so a test that
            // stops the loop on such a condition stops it after the answer, never while it runs.
            Signal();
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the deliveries, or <paramref name="running"/> ended (its
    /// failure is rethrown), failing after <paramref name="timeout"/> with <paramref name="what"/> and what arrived.
    /// <paramref name="poll"/>, when given, runs every few milliseconds while waiting (e.g. to move a fake clock on).
    /// </summary>
    public async Task UntilAsync(Func<IReadOnlyList<Delivery>, bool> condition, Task running, TimeSpan timeout, string what, Action? poll = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_deliveries))
                {
                    return;
                }

                changed = _changed.Task;
            }

            if (running.IsCompleted)
            {
                await running.ConfigureAwait(false);
                throw new ShouldAssertException($"The receive loop returned before {what}. Delivered: [{string.Join(", ", Ids)}].");
            }

            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new ShouldAssertException($"Still waiting after {timeout.TotalSeconds:0}s until {what}. Delivered: [{string.Join(", ", Ids)}].");
            }

            if (poll is null)
            {
                await Task.WhenAny(changed, running, Task.Delay(left)).ConfigureAwait(false);
            }
            else
            {
                poll();
                await Task.WhenAny(changed, running, Task.Delay(TimeSpan.FromMilliseconds(10))).ConfigureAwait(false);
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
