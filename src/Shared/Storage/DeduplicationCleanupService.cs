using Conveyor.Deduplication;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Storage;

/// <summary>
/// Removes expired deduplication keys of a database store while the host runs: first after a random part of the
/// interval (instances started together do not clean together), then every interval, in batches; a failure backs off
/// and never stops the host. Compiled by each store package (src/Shared), like <see cref="LeasedMessageScheduler"/>.
/// </summary>
internal sealed class DeduplicationCleanupService(IDeduplicationStore store, string storeName, TimeSpan interval, TimeProvider time, ILogger logger)
    : BackgroundService
{
    private static readonly Backoff FailureBackoff = new(TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(5), jitter: 0.2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        try
        {
            await Task.Delay(interval * Random.Shared.NextDouble(), time, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = interval;
                try
                {
                    var removed = await store.RemoveExpiredAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        StorageLog.CleanupRemoved(logger, removed, storeName);
                    }

                    if (failures > 0)
                    {
                        StorageLog.CleanupRecovered(logger, storeName, failures);
                        failures = 0;
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    if (failures++ == 0)
                    {
                        StorageLog.CleanupFailed(logger, e, storeName);
                    }

                    wait = FailureBackoff.DelayFor(failures);
                }

                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
