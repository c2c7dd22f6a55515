using Microsoft.Extensions.Hosting;

namespace Marketplace.Orders;

/// <summary>Creates the orders table at start-up, before Conveyor's consumers start (it is registered before them).</summary>
public sealed class OrderBookSchema(OrderBook orders) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => orders.CreateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
