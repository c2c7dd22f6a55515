using Conveyor.Failures.DeadLetters;
using Conveyor.Outgoing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Outbox;

/// <summary>
/// Relays the outbox to the channels while the host runs: claims lanes and their first messages, sends the claimed
/// lanes in parallel (each lane's messages one at a time, in order), deletes what was acknowledged, and claims again. Messages go to their destination past the outgoing middleware (they passed it when they were
/// written), never back into the outbox.
/// </summary>
/// <remarks>
/// A message whose send fails stays, with those after it in its lane: the lane is tried again after a back-off, so the
/// lane's order holds (messages after it that were already sent are sent again: at least once). A row that cannot be
/// read back, or names a channel that no longer exists, goes to the dead letter with the reason and the lane flows on.
/// </remarks>
internal sealed partial class OutboxRelay(
    IOutboxStore store,
    MessageSender sender,
    Runtime.ConveyorRuntime runtime,
    IDeadLetterStore deadLetters,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    /// <summary>The endpoint id a dead-lettered outbox row is kept under.</summary>
    public const string DeadLetterEndpoint = "conveyor.outbox";

    private static readonly Backoff FailureBackoff = new(TimeSpan.FromMilliseconds(200), 2, TimeSpan.FromSeconds(30), jitter: 0.2);
    private readonly OutboxOptions _options = options.Value;
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private OutboxClaim Claim => new(_owner, _options.Lease, _options.MaxLanesPerRelay, _options.BatchSize);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled || !_options.Relay)
        {
            LogRelayOff(logger);
            return;
        }

        // Off the host's start-up path: the channels start first.
        await Task.Yield();
        var claim = Claim;
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wake = signal.Next;
                TimeSpan wait;
                try
                {
                    var rows = await store.ClaimAsync(claim, stoppingToken).ConfigureAwait(false);
                    if (rows.Count > 0)
                    {
                        var complete = await RelayAsync(rows, stoppingToken).ConfigureAwait(false);
                        if (complete)
                        {
                            if (failures > 0)
                            {
                                LogRecovered(logger, failures);
                                failures = 0;
                            }

                            continue;
                        }

                        failures++;
                        wait = FailureBackoff.DelayFor(failures);
                    }
                    else
                    {
                        wait = _options.PollInterval;
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    if (failures++ == 0)
                    {
                        LogClaimFailed(logger, e);
                    }

                    wait = FailureBackoff.DelayFor(failures);
                }

                await Task.WhenAny(wake, Task.Delay(wait, time, stoppingToken)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await store.ReleaseAsync(_owner, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogReleaseFailed(logger, e);
            }
        }
    }

    /// <summary>
    /// Relays what the outbox holds now, in the caller's flow rather than the background loop's: claims and relays until
    /// a claim comes back empty or a send fails (the failed lane stays for the next attempt). A test host that runs no
    /// hosted services (<c>ConveyorFlow</c>) calls it, so that messages a handler sent in its unit of work reach their
    /// channels as they would in a running application.
    /// </summary>
    /// <param name="cancellationToken">Stops the relay between rows.</param>
    /// <returns>A task that completes when the outbox was relayed as far as it could be.</returns>
    internal async Task RelayAvailableAsync(CancellationToken cancellationToken)
    {
        var claim = Claim;
        try
        {
            IReadOnlyList<OutboxRow> rows;
            do
            {
                rows = await store.ClaimAsync(claim, cancellationToken).ConfigureAwait(false);
            }
            while (rows.Count > 0 && await RelayAsync(rows, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            await store.ReleaseAsync(_owner, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Relays claimed rows, every lane at once; true when every row was relayed (or dead-lettered).</summary>
    private async Task<bool> RelayAsync(IReadOnlyList<OutboxRow> rows, CancellationToken cancellationToken)
    {
        // Lanes in parallel, each lane's messages one after the other, each acknowledged before the next is sent: the
        // order holds by construction, whatever the transport does with sends in flight (a Kafka channel's first send
        // waits for its topic, and sends started together may leave in any order).
        var lanes = rows.GroupBy(r => r.Lane).Select(lane => RelayLaneAsync([.. lane], cancellationToken)).ToList();
        var relayed = (await Task.WhenAll(lanes).ConfigureAwait(false)).SelectMany(ids => ids).ToList();
        if (relayed.Count > 0)
        {
            var deleted = await store.CompleteAsync(_owner, relayed, CancellationToken.None).ConfigureAwait(false);
            if (deleted < relayed.Count)
            {
                LogLeaseLost(logger, relayed.Count - deleted);
            }
        }

        return relayed.Count == rows.Count;
    }

    /// <summary>Sends one lane's rows in order until one fails (the rest wait behind it); returns the ids that went.</summary>
    private async Task<List<long>> RelayLaneAsync(List<OutboxRow> lane, CancellationToken cancellationToken)
    {
        var relayed = new List<long>(lane.Count);
        foreach (var row in lane)
        {
            try
            {
                await SendAsync(row, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogSendFailed(logger, e, row.Message.MessageId, row.Channel, row.Lane);
                break;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: what was acknowledged is still completed.
                break;
            }

            relayed.Add(row.Id);
        }

        return relayed;
    }

    private async Task SendAsync(OutboxRow row, CancellationToken cancellationToken)
    {
        if (row.Error is not null)
        {
            await DeadLetterAsync(row, row.Error, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!runtime.Channels.ContainsKey(row.Channel))
        {
            await DeadLetterAsync(row, $"There is no channel or publisher named '{row.Channel}' in this application, so the outbox cannot relay the message to it. Register the channel again and replay the dead letter, or delete it.", cancellationToken).ConfigureAwait(false);
            return;
        }

        await sender.DeliverAsync(new OutgoingMessage(row.Message, row.Channel, OutgoingIntent.Send), cancellationToken).ConfigureAwait(false);
    }

    private async Task DeadLetterAsync(OutboxRow row, string reason, CancellationToken cancellationToken)
    {
        LogDeadLettered(logger, row.Id, row.Channel, reason);
        var messageId = row.Message.MessageId ?? $"outbox-{row.Id}";
        await deadLetters.AddAsync(
            new DeadLetter(messageId, DeadLetterEndpoint, row.Message, row.Channel, $"outbox row {row.Id} (lane {row.Lane})", "Conveyor.Outbox.UnrelayableOutboxRow", reason, 1, time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(4101, LogLevel.Information, "The outbox relay is off in this process (Conveyor:Outbox:Relay or Enabled is false); another process relays the outbox")]
    private static partial void LogRelayOff(ILogger logger);

    [LoggerMessage(4102, LogLevel.Warning, "The outbox relay could not send message {MessageId} to {Channel}; it and the rest of lane {Lane} stay in the outbox and are tried again with a back-off")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string? messageId, string channel, int lane);

    [LoggerMessage(4103, LogLevel.Error, "The outbox relay cannot claim messages from the outbox; it keeps trying with a back-off")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(4104, LogLevel.Information, "The outbox relay relays again after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(4105, LogLevel.Warning, "The outbox relay lost the lease of lanes holding {Count} messages it sent; another relay sends them again (at least once)")]
    private static partial void LogLeaseLost(ILogger logger, int count);

    [LoggerMessage(4106, LogLevel.Error, "Outbox row {RowId} for {Channel} cannot be relayed and goes to the dead letter: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, long rowId, string channel, string reason);

    [LoggerMessage(4107, LogLevel.Warning, "The outbox relay could not hand back its lanes when it stopped; they go to another relay once the lease runs out")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}
