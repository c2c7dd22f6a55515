using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conveyor.Diagnostics;

/// <summary>
/// A transport's check that its brokers answer (for Kafka: a metadata request with <see cref="ConveyorHealthCheckOptions.BrokerTimeout"/>).
/// A transport registers it as a singleton when it is added; the <c>conveyor-brokers</c> health check runs every one.
/// </summary>
public interface ITransportHealthCheck
{
    /// <summary>The transport, as the health report names it (e.g. <c>kafka</c>).</summary>
    string Transport { get; }

    /// <summary>Asks the brokers for something small within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long they may take to answer.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Healthy when they answered; unhealthy with the reason when not.</returns>
    Task<HealthCheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
