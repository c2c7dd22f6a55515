using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.InProcessDispatch;

public sealed class ConveyorPlaceOrderHandler
{
    [CommandHandler]
    public void Handle(PlaceOrder command) => OrderBook.Add(command);
}

/// <summary>Conveyor with singleton handlers, called through <see cref="ICommandBus"/>.</summary>
internal static class ConveyorContender
{
    public static (ServiceProvider Services, ICommandBus Bus) Start()
    {
        var services = new ServiceCollection();
        services.AddConveyor(c => c
            .AddHandler<ConveyorPlaceOrderHandler>()
            .UseHandlerLifetime(ServiceLifetime.Singleton));
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<ICommandBus>());
    }
}
