using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Conveyor.Diagnostics.Health;

/// <summary>Runs every transport's <see cref="ITransportHealthCheck"/>: unhealthy when any broker does not answer in time.</summary>
internal sealed class BrokersHealthCheck(IEnumerable<ITransportHealthCheck> transports, IOptions<ConveyorHealthCheckOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var checks = transports.ToList();
        if (checks.Count == 0)
        {
            return HealthCheckResult.Healthy("No transport with brokers is registered.");
        }

        var results = await Task.WhenAll(checks.Select(c => c.CheckAsync(options.Value.BrokerTimeout, cancellationToken))).ConfigureAwait(false);
        var data = checks.Zip(results).ToDictionary(p => p.First.Transport, p => (object)(p.Second.Description ?? p.Second.Status.ToString()), StringComparer.Ordinal);
        var worst = results.Min(r => r.Status);
        var description = string.Join("; ", checks.Zip(results).Select(p => $"{p.First.Transport}: {p.Second.Description ?? p.Second.Status.ToString()}"));
        return new HealthCheckResult(worst, description, results.FirstOrDefault(r => r.Exception is not null).Exception, data);
    }
}
