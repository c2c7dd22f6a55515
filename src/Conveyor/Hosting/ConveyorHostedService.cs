using Conveyor.Consumers;
using Conveyor.Diagnostics;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Hosting;

/// <summary>
/// Builds and validates the runtime when the host starts (so a bad configuration stops the host with a clear
/// message) and runs the configured consumers until the host stops, restarting one that crashes.
/// </summary>
internal sealed class ConveyorHostedService(IServiceProvider services, IOptions<ConveyorOptions> options, TimeProvider time, ILogger<ConveyorHostedService> logger)
    : IHostedService, IAsyncDisposable
{
    /// <summary>
    /// The waits before a crashed consumer is started again: from 1 s, doubling up to a minute, with jitter so that
    /// consumers that crashed together (a broker outage) do not all reconnect at the same moment.
    /// </summary>
    internal static readonly Backoff RestartBackoff = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1), jitter: 0.2);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _consumers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<ConveyorRuntime>().ResolveSingletonHandlers();
        if (!options.Value.RunConsumersInHost)
        {
            return Task.CompletedTask;
        }

        var runner = services.GetRequiredService<ConsumerRunner>();
        var status = services.GetRequiredService<ConsumerStatusRegistry>();
        var names = options.Value.HostedConsumers is { Count: > 0 } configured
            ? configured.Select(runner.ResolveChannel).Distinct()
            : runner.ChannelsWithEndpoints;
        foreach (var name in names)
        {
            status.Starting(name);
            _consumers.Add(Task.Run(() => RunForeverAsync(runner, status, name), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops every consumer and waits for them to finish their in-flight messages. A stop always returns: when the host's
    /// shutdown timeout (<paramref name="cancellationToken"/>) runs out first, it logs that the consumers did not stop in
    /// time and returns without them — their unacknowledged messages are delivered again — rather than failing the
    /// host's shutdown with a <see cref="TaskCanceledException"/>. A consumer that fails while stopping is logged, not thrown.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var all = Task.WhenAll(_consumers);
        try
        {
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.StopTimedOut(logger);
        }
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task RunForeverAsync(ConsumerRunner runner, ConsumerStatusRegistry status, string name)
    {
        var crashes = 0;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var result = await runner.RunAsync(name, cancellationToken: _stopping.Token).ConfigureAwait(false);
                if (!_stopping.IsCancellationRequested)
                {
                    logger.LogWarning("Consumer {Name} ended ({Reason}); it stays stopped until the host restarts", name, result.StopReason);
                }

                return;
            }
            catch (ConveyorConfigurationException e) when (!_stopping.IsCancellationRequested)
            {
                // Restarting cannot fix a configuration: report it once instead of looping.
                status.Failed(name, e);
                Log.ConsumerFailed(logger, e, name);
                return;
            }
            catch (Exception e) when (!_stopping.IsCancellationRequested)
            {
                status.BackingOff(name, e);
                var delay = RestartBackoff.DelayFor(++crashes);
                Log.ConsumerCrashed(logger, e, name, delay);
                try
                {
                    await Task.Delay(delay, time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    status.Stopped(name);
                    return;
                }

                status.Starting(name);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // Failed while the host stops: log it here, so that the stop itself returns cleanly.
                status.Stopped(name);
                Log.ConsumerFailedWhileStopping(logger, e, name);
                return;
            }
        }
    }
}
