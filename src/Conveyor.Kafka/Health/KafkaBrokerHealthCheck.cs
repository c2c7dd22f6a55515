using Confluent.Kafka;
using Conveyor.Diagnostics;
using Conveyor.Kafka.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Health;

/// <summary>
/// The Kafka brokers answer: a metadata request (no topic named, so the answer is small) within the timeout, on one
/// admin client kept for the application's life so that a probe costs a request, not a connection.
/// </summary>
internal sealed class KafkaBrokerHealthCheck(IOptions<KafkaOptions> options, ILogger<KafkaBrokerHealthCheck> logger) : ITransportHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(KafkaClientConfigs.Admin(options.Value)).LogTo(logger).Build());

    public string Transport => "kafka";

    public Task<HealthCheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            try
            {
                var metadata = _admin.Value.GetMetadata(timeout);
                return metadata.Brokers.Count > 0
                    ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s) answered ({options.Value.BootstrapServers}).")
                    : HealthCheckResult.Unhealthy($"The cluster at {options.Value.BootstrapServers} answered with no broker.");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy($"No Kafka broker at {options.Value.BootstrapServers} answered within {timeout.TotalSeconds:0.#} s: {e.Error.Reason}.", e);
            }
        },
        cancellationToken);

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
