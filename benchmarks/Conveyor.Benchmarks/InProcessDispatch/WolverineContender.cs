using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace Conveyor.Benchmarks.InProcessDispatch;

public static class WolverinePlaceOrderHandler
{
    public static void Handle(PlaceOrder command) => OrderBook.Add(command);
}

/// <summary>
/// Wolverine as a mediator: only the benchmark's handler is discovered, durability is off (<c>MediatorOnly</c>),
/// code is generated in memory at start-up (the default <c>TypeLoadMode.Dynamic</c>), and no logging provider is
/// registered, as for the other contenders.
/// </summary>
internal static class WolverineContender
{
    public static async Task<(IHost Host, IServiceScope Scope, IMessageBus Bus)> StartAsync()
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseWolverine(opts =>
            {
                opts.ApplicationAssembly = typeof(WolverineContender).Assembly;
                opts.Discovery.DisableConventionalDiscovery().IncludeType(typeof(WolverinePlaceOrderHandler));
                opts.Durability.Mode = DurabilityMode.MediatorOnly;
            })
            .Build();
        await host.StartAsync();
        var scope = host.Services.CreateScope();
        return (host, scope, scope.ServiceProvider.GetRequiredService<IMessageBus>());
    }
}
