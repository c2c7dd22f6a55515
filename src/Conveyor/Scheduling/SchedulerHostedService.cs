using Microsoft.Extensions.Hosting;

namespace Conveyor.Scheduling;

/// <summary>Delivers scheduled messages while the host runs.</summary>
internal sealed class SchedulerHostedService(ScheduledDeliveries deliveries) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => deliveries.RunAsync(stoppingToken);
}
