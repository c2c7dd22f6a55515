using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Benchmarks.InProcessDispatch;

public sealed class MediatorPlaceOrderHandler : ICommandHandler<PlaceOrder>
{
    public ValueTask<Unit> Handle(PlaceOrder command, CancellationToken cancellationToken)
    {
        OrderBook.Add(command);
        return Unit.ValueTask;
    }
}

/// <summary>Mediator.SourceGenerator with its default singleton lifetime, called through <see cref="IMediator"/>.</summary>
internal static class MediatorContender
{
    public static (ServiceProvider Services, IMediator Mediator) Start()
    {
        var services = new ServiceCollection();
        services.AddMediator();
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IMediator>());
    }
}
