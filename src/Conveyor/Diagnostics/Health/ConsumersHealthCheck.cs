using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Diagnostics.Health;

/// <summary>Unhealthy when a consumer is not running: stopped, failed or backing off after a crash; degraded while one starts.</summary>
internal sealed class ConsumersHealthCheck(IConsumerStatusRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var consumers = registry.Consumers;
        var data = consumers.ToDictionary(c => c.Name, c => (object)c.State.ToString(), StringComparer.Ordinal);
        var down = consumers.Where(c => c.State is not (ConsumerState.Running or ConsumerState.Starting)).ToList();
        if (down.Count > 0)
        {
            var reasons = string.Join("; ", down.Select(c => c.LastError is { } error ? $"{c.Name} is {c.State} ({error.Type}: {error.Message})" : $"{c.Name} is {c.State}"));
            return Task.FromResult(HealthCheckResult.Unhealthy($"Not every consumer runs: {reasons}.", data: data));
        }

        var starting = consumers.Where(c => c.State == ConsumerState.Starting).Select(c => c.Name).ToList();
        return Task.FromResult(starting.Count > 0
            ? HealthCheckResult.Degraded($"Starting: {string.Join(", ", starting)}.", data: data)
            : HealthCheckResult.Healthy(consumers.Count == 0 ? "No consumer runs in this process." : $"{consumers.Count} consumer(s) running.", data));
    }
}
