using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Conveyor.Diagnostics.Health;

/// <summary>
/// Unhealthy when a channel's consumers trail further behind than its threshold (<see cref="ConveyorHealthCheckOptions.MaxLagOf"/>);
/// degraded when a channel's lag cannot be read (the broker check says whether the brokers answer).
/// </summary>
internal sealed class LagHealthCheck(IChannelLagReader reader, IOptions<ConveyorHealthCheckOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lags = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var data = lags.Where(l => l.Error is null).ToDictionary(l => l.Channel, l => (object)l.Total, StringComparer.Ordinal);
        var behind = lags.Where(l => l.Error is null && l.Total > options.Value.MaxLagOf(l.Channel)).ToList();
        if (behind.Count > 0)
        {
            return HealthCheckResult.Unhealthy(
                "Lag over its threshold: " + string.Join(", ", behind.Select(l => $"{l.Channel} {l.Total} > {options.Value.MaxLagOf(l.Channel)}")) + ".", data: data);
        }

        var unread = lags.Where(l => l.Error is not null).ToList();
        return unread.Count > 0
            ? HealthCheckResult.Degraded("Lag could not be read: " + string.Join("; ", unread.Select(l => $"{l.Channel}: {l.Error}")) + ".", data: data)
            : HealthCheckResult.Healthy(lags.Count == 0 ? "No channel reports lag." : "Every channel's lag is under its threshold.", data);
    }
}
