using Conveyor.Deduplication;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Sqlite;

/// <summary>
/// Removes expired deduplication keys while the host runs: first after a random part of the interval (instances
/// started together do not clean together), then every interval, in batches; a failure backs off and never stops the host.
/// </summary>
internal sealed class SqliteCleanupService(
    IDeduplicationStore store, SqliteDatabase database, IOptions<SqliteOptions> options, TimeProvider time, ILogger<SqliteCleanupService> logger)
    : BackgroundService
{
    private static readonly Backoff FailureBackoff = new(TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(5), jitter: 0.2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CleanupInterval;
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
                        Log.CleanupRemoved(logger, removed, database.FilePath);
                    }

                    if (failures > 0)
                    {
                        Log.CleanupRecovered(logger, database.FilePath, failures);
                        failures = 0;
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    if (failures++ == 0)
                    {
                        Log.CleanupFailed(logger, e, database.FilePath);
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
