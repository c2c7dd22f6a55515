using Conveyor.Diagnostics;
using Conveyor.Diagnostics.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Conveyor's health checks.</summary>
public static class ConveyorHealthChecksBuilderExtensions
{
    /// <summary>The tags of every Conveyor health check, to select them in a health endpoint's predicate.</summary>
    public const string Tag = "conveyor";

    /// <summary>
    /// Adds three health checks: <c>conveyor-consumers</c> (every consumer of this process runs), <c>conveyor-brokers</c>
    /// (each transport's brokers answer within <see cref="ConveyorHealthCheckOptions.BrokerTimeout"/>) and
    /// <c>conveyor-lag</c> (every channel's lag is under its threshold). Each is tagged <see cref="Tag"/>.
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="configure">Sets the broker timeout and the lag thresholds.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddConveyorHealthChecks(this IHealthChecksBuilder builder, Action<ConveyorHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ConveyorHealthCheckOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        string[] tags = [Tag];
        return builder
            .AddCheck<ConsumersHealthCheck>("conveyor-consumers", HealthStatus.Unhealthy, tags)
            .AddCheck<BrokersHealthCheck>("conveyor-brokers", HealthStatus.Unhealthy, tags)
            .AddCheck<LagHealthCheck>("conveyor-lag", HealthStatus.Unhealthy, tags);
    }
}
